/**
 * Assembles the server: opens the database (migrating it), loads and checks
 * the server key against it, then registers infrastructure plugins and the routes.
 * Nothing else lives here.
 */
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import pretty from 'pino-pretty';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { LogEvent } from 'kysely';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './context.js';
import { PRODUCTION_ARGON2_COST, type Argon2Cost } from './accounts/primary-password.js';
import { openDatabase } from './db/database.js';
import type { DatabaseLimits } from './db/limits.js';
import { openServerKey, type ServerKey } from './security/server-key.js';
import { UsageRecorder } from './connections/usage-recorder.js';
import { VerifiedCredentials } from './auth/verified-credentials.js';
import { httpAuth } from './auth/http-auth.js';
import { pruneThrottle } from './throttle/throttle.js';
import { clientErrorHandler, frameworkErrorsOf, registerErrorHandling } from './http/error-handler.js';
import { DEFAULT_TIMEOUTS, enforceBodyMinimumRate, serverTimeoutOptions, type Timeouts } from './http/timeouts.js';
import { useStrictJsonBodies } from './http/json-body.js';
import { skipHandlersOfGoneClients } from './http/client-gone.js';
import { refuseCredentialsInQuery } from './http/credentials-in-query.js';
import { serializeRequest } from './http/log-serializers.js';
import { addSecurityHeaders, withSecurityHeaders } from './http/security-headers.js';
import { refuseConnect } from './http/connect-method.js';
import { schemaValidatorCompiler } from './http/validation.js';
import type { Services } from './http/services.js';
import { sessionRoutes } from './api/session-routes.js';
import { meRoutes } from './api/me-routes.js';
import { totpRoutes } from './api/totp-routes.js';
import { appPasswordRoutes } from './api/app-password-routes.js';
import { connectionRoutes } from './api/connection-routes.js';
import { adminRoutes } from './api/admin-routes.js';
import { forwardAuthRoutes } from './api/forward-auth-routes.js';
import { ssoRoutes } from './api/sso-routes.js';
import { checkIssuerTransport } from './oidc/issuer-transport.js';
import { OidcProvider } from './oidc/provider.js';
import { oidcRoutes } from './oidc/oidc-routes.js';
import { startRecheckSchedule } from './oidc/recheck-schedule.js';
import { prepareFilesDirectory } from './files/local-disk-store.js';
import { checkSurfaceRoute } from './surfaces/basic-surface.js';
import { mountPrefixOf, SURFACES } from './surfaces/registry.js';
import { DAV_VERBS, davSurface, sendDavError } from './webdav/dav-surface.js';
import { openApi } from './api/openapi.js';
import { loginFlowRoutes } from './api/login-flow-routes.js';
import { ocsSurface } from './nextcloud/ocs-surface.js';
import { sendOcsError } from './nextcloud/ocs-envelope.js';
import { nextcloudPublicRoutes } from './nextcloud/public-routes.js';
import { localDiskSpaceUsage } from './nextcloud/space-usage.js';
import { webUi } from './web-ui/web-ui.js';
import { RequestLog } from './http/request-log.js';
import { checkProxySetup } from './http/proxy-setup.js';
import { Metrics } from './ops/metrics.js';
import { registerServerMetrics } from './ops/server-metrics.js';
import { metricsSourceFor } from './ops/metrics-source.js';
import { metricsRoute } from './ops/metrics-routes.js';
import { healthRoutes } from './ops/health-routes.js';
import { databaseProbe, fileStorageProbe, readinessCheck } from './ops/readiness.js';

const THROTTLE_PRUNE_INTERVAL_MS = 10 * 60_000;
/** JSON API bodies are small; file surfaces stream theirs. */
const API_BODY_LIMIT = 64 * 1024;

export interface ServerOptions {
  config: Config;
  clock?: Clock;
  /** Where log lines go (JSON, one per line); standard output by default. */
  logStream?: Writable;
  onQuery?: (event: LogEvent) => void;
  /** Benchmark-only (bench/dav-server.ts): /dav/ serves this user without credentials. No configuration reaches it. */
  unauthenticatedDavUserForBenchmark?: { userId: string; username: string };
  /** Client time limits; the defaults suit production (tests shorten them). */
  timeouts?: Timeouts;
  /** Database time limits; the defaults suit production (tests shorten them). */
  databaseLimits?: DatabaseLimits;
  /** Test-only: OIDC_ISSUER may be http://127.0.0.1 (a provider the test runs). No configuration reaches it. */
  allowLoopbackHttpIssuerForTests?: boolean;
  /** Test-only: no SSO re-check round on a timer; the test runs each round itself (oidc/recheck-schedule.ts). No configuration reaches it. */
  noRecheckTimerForTests?: boolean;
  /**
   * Test-only: the argon2id cost of new primary-password hashes (and of the dummy hash), so that tests
   * not about argon2 do not pay production's. Production's when absent. No configuration reaches it.
   */
  argon2CostForTests?: Argon2Cost;
}

export interface Server {
  app: FastifyInstance;
  services: Services;
  close(): Promise<void>;
}

function loggerOptions(config: Config, stream: Writable | undefined): FastifyServerOptions['logger'] {
  const destination = config.logFormat === 'pretty' ? prettyLines(stream) : stream;
  return {
    level: config.logLevel,
    ...(destination ? { stream: destination } : {}),
    // Credentials travel in these headers; a logged request keeps only its path.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
}

/** LOG_FORMAT=pretty: one coloured line per entry for a terminal (colours only on one). */
function prettyLines(stream: Writable | undefined): Writable {
  const destination = stream ?? process.stdout;
  return pretty({
    destination,
    sync: true,
    colorize: destination === process.stdout && process.stdout.isTTY,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  if (config.oidc) checkIssuerTransport(config.oidc, options.allowLoopbackHttpIssuerForTests === true);
  const metrics = new Metrics();
  // Created first for its logger, which the database's connection events go to.
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    logController: new RequestLog((answered) => metrics.observeRequest(answered)),
    trustProxy: config.trustProxy,
    ...serverTimeoutOptions(timeouts),
    frameworkErrors: withSecurityHeaders(frameworkErrorsOf({ webdav: sendDavError, ocs: sendOcsError })),
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    ...(options.databaseLimits ? { limits: options.databaseLimits } : {}),
    onConnectionLost: (error) =>
      app.log.warn({ err: error }, 'a PostgreSQL connection was lost; it is replaced when next needed'),
  });
  let key: ServerKey;
  try {
    key = await openServerKey(db, config);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  for (const [verb, hasBody] of DAV_VERBS) app.addHttpMethod(verb, { hasBody });
  // A route under a surface prefix registered outside its surface would lack its authentication: refuse to start.
  const routes: Parameters<typeof checkSurfaceRoute>[0][] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  app.addHook('onReady', async () => routes.forEach(checkSurfaceRoute));

  const usage = new UsageRecorder(db, clock, (error) => app.log.error({ err: error }, 'recording credential use failed'));
  const oidc = config.oidc
    ? new OidcProvider({
        config: config.oidc,
        allowInsecureRequests: options.allowLoopbackHttpIssuerForTests === true,
        now: () => clock.now(),
      })
    : null;
  const argon2Cost = options.argon2CostForTests ?? PRODUCTION_ARGON2_COST;
  const services: Services = { db, key, clock, argon2Cost, usage, verified: new VerifiedCredentials(), config, oidc, metrics };
  const filesDir = prepareFilesDirectory(config.dataDir);
  const rechecks = registerServerMetrics(metrics, services);
  app.decorate('sesame', services);
  app.setValidatorCompiler(schemaValidatorCompiler());
  // JSON errors are the default; each surface that speaks another format sets its own.
  registerErrorHandling(app);
  addSecurityHeaders(app);
  refuseConnect(app.server);
  enforceBodyMinimumRate(app, timeouts);
  skipHandlersOfGoneClients(app);
  app.addHook('onRequest', refuseCredentialsInQuery);
  checkProxySetup(app, config);
  // The parts the server cannot serve without: /readyz asks each of them.
  const readinessProbes = [databaseProbe(db), fileStorageProbe(filesDir)];
  await app.register(healthRoutes, { readiness: readinessCheck(readinessProbes, app.log) });
  if (config.metrics.token !== null || config.metrics.port !== null) {
    // In a worker this also lets the primary gather this process's metrics (METRICS_PORT is the primary's).
    const source = metricsSourceFor(metrics.registry);
    if (config.metrics.token !== null) await app.register(metricsRoute, { token: config.metrics.token, source });
  }
  // Session cookies and each route's declared authentication serve the JSON API and the sign-in routes
  // only: a file surface authenticates in its own hook and pays for neither on its requests.
  await app.register(async (sessionScope) => {
    await sessionScope.register(cookie);
    await sessionScope.register(httpAuth, { services });
    await sessionScope.register(
      async (api) => {
        useStrictJsonBodies(api);
        api.addHook('onRoute', (route) => {
          route.bodyLimit ??= API_BODY_LIMIT;
        });
        api.addHook('onSend', async (_request, reply) => {
          reply.header('cache-control', 'no-store');
        });
        await api.register(openApi);
        await api.register(sessionRoutes);
        await api.register(meRoutes);
        await api.register(totpRoutes);
        await api.register(appPasswordRoutes);
        await api.register(connectionRoutes);
        await api.register(adminRoutes);
        await api.register(forwardAuthRoutes);
        await api.register(ssoRoutes);
        await api.register(loginFlowRoutes);
      },
      { prefix: '/api/v1' },
    );
    await sessionScope.register(oidcRoutes, { prefix: '/auth/oidc' });
  });
  await app.register(davSurface, {
    prefix: mountPrefixOf(SURFACES.webdav),
    filesDir,
    ...(options.unauthenticatedDavUserForBenchmark
      ? { unauthenticatedUserForBenchmark: options.unauthenticatedDavUserForBenchmark }
      : {}),
  });
  // The Nextcloud-compatible surface: the OCS API (Basic auth) and the public status and Login Flow endpoints.
  await app.register(ocsSurface, { prefix: '/ocs', spaceUsage: localDiskSpaceUsage(services, filesDir) });
  await app.register(nextcloudPublicRoutes);
  await app.register(webUi);
  const pruning = setInterval(() => {
    pruneThrottle(db, clock.now()).catch((error) => app.log.error({ err: error }, 'pruning throttle counters failed'));
  }, THROTTLE_PRUNE_INTERVAL_MS).unref();
  const recheck = oidc
    ? startRecheckSchedule(services, oidc, app.log, {
        timer: options.noRecheckTimerForTests !== true,
        onRound: (report) => rechecks.recheckRound(report),
      })
    : null;
  app.addHook('onClose', async () => {
    clearInterval(pruning);
    await recheck?.stop();
    await usage.stop();
    await db.destroy();
  });
  usage.start();
  return { app, services, close: () => app.close() };
}
