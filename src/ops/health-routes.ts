/**
 * GET /healthz (the process answers: always 200) and GET /readyz (every
 * readiness probe answers: 200, or 503 naming the part that failed), for a
 * load balancer or a service manager. Public and unauthenticated: they say
 * nothing but "ok" and the names of the parts and their state — no version,
 * no host, no error text. Never throttled, never in anyone's connections,
 * logged at `debug` only (http/request-log.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ReadinessCheck } from './readiness.js';

export const healthRoutes: FastifyPluginAsync<{ readiness: ReadinessCheck }> = async (app, { readiness }) => {
  app.get('/healthz', { config: { auth: 'none' } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get('/readyz', { config: { auth: 'none' } }, async (_request, reply) => {
    const { ready, checks } = await readiness();
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'unavailable', checks });
  });
};
