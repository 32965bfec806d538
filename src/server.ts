/**
 * Assembles the server: opens the database (migrating it), loads and checks
 * the server key against it, then registers infrastructure plugins and the routes.
 * Nothing else lives here.
 */
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { LogEvent } from 'kysely';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './context.js';
import { openDatabase } from './db/database.js';
import { openServerKey, type ServerKey } from './security/server-key.js';
import { UsageRecorder } from './connections/usage-recorder.js';
import { httpAuth } from './auth/http-auth.js';
import { pruneThrottle } from './throttle/throttle.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/error-handler.js';
import { useStrictJsonBodies } from './http/json-body.js';
import { refuseCredentialsInQuery } from './http/credentials-in-query.js';
import { serializeRequest } from './http/log-serializers.js';
import { schemaValidatorCompiler } from './http/validation.js';
import type { Services } from './http/services.js';
import { sessionRoutes } from './api/session-routes.js';
import { meRoutes } from './api/me-routes.js';
import { totpRoutes } from './api/totp-routes.js';
import { appPasswordRoutes } from './api/app-password-routes.js';
import { connectionRoutes } from './api/connection-routes.js';
import { adminRoutes } from './api/admin-routes.js';
import { forwardAuthRoutes } from './api/forward-auth-routes.js';

const THROTTLE_PRUNE_INTERVAL_MS = 10 * 60_000;

export interface ServerOptions {
  config: Config;
  clock?: Clock;
  /** Where log lines go (JSON, one per line); standard output by default. */
  logStream?: Writable;
  onQuery?: (event: LogEvent) => void;
}

export interface Server {
  app: FastifyInstance;
  services: Services;
  close(): Promise<void>;
}

function loggerOptions(config: Config, stream: Writable | undefined): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    // Credentials travel in these headers; a logged request keeps only its path.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
}

export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
  });
  let key: ServerKey;
  try {
    key = await openServerKey(db, config);
  } catch (error) {
    await db.destroy();
    throw error;
  }

  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const usage = new UsageRecorder(db, clock, (error) => app.log.error({ err: error }, 'recording credential use failed'));
  const services: Services = { db, key, clock, usage, config };
  app.decorate('sesame', services);
  app.setValidatorCompiler(schemaValidatorCompiler());
  registerErrorHandling(app);
  app.addHook('onRequest', refuseCredentialsInQuery);
  await app.register(cookie);
  await app.register(httpAuth, { services });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  await app.register(
    async (api) => {
      useStrictJsonBodies(api);
      await api.register(sessionRoutes);
      await api.register(meRoutes);
      await api.register(totpRoutes);
      await api.register(appPasswordRoutes);
      await api.register(connectionRoutes);
      await api.register(adminRoutes);
      await api.register(forwardAuthRoutes);
    },
    { prefix: '/api/v1' },
  );
  const pruning = setInterval(() => {
    pruneThrottle(db, clock.now()).catch((error) => app.log.error({ err: error }, 'pruning throttle counters failed'));
  }, THROTTLE_PRUNE_INTERVAL_MS).unref();
  app.addHook('onClose', async () => {
    clearInterval(pruning);
    await usage.stop();
    await db.destroy();
  });
  usage.start();
  return { app, services, close: () => app.close() };
}
