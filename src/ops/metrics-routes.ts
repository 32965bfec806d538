/**
 * Where the metrics are served. `GET /metrics` on the server's own port,
 * registered only when METRICS_TOKEN is set, answers a scraper that sends
 * `Authorization: Bearer <token>` (compared in constant time; anything else
 * is a 401 with a Bearer challenge). METRICS_PORT is a listener of its own
 * on 127.0.0.1 that serves `/metrics` alone, without a token: what reaches
 * the machine's loopback may read the counts. Neither is throttled, logged
 * at `info` or recorded in anyone's connections.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { SesameError } from '../errors.js';
import type { MetricsSource } from './metrics-source.js';

const digest = (value: string) => crypto.createHash('sha256').update(value).digest();

/** Whether `authorization` is `Bearer <token>`, compared without leaking where it differs. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match !== null && crypto.timingSafeEqual(digest(match[1]!), digest(token));
}

export const metricsRoute: FastifyPluginAsync<{ token: string; source: MetricsSource }> = async (app, { token, source }) => {
  app.get('/metrics', { config: { auth: 'none' } }, async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer realm="Sesame metrics"');
      throw new SesameError('UNAUTHENTICATED', 'The metrics need Authorization: Bearer with the METRICS_TOKEN.');
    }
    reply.header('cache-control', 'no-store');
    try {
      const metrics = await source();
      return reply.type(metrics.contentType).send(metrics.text);
    } catch (error) {
      request.log.warn({ err: error }, 'the metrics could not be gathered');
      return reply.code(503).type('text/plain; charset=utf-8').send('The metrics could not be gathered; try again.\n');
    }
  });
};

export interface MetricsListener {
  close(): Promise<void>;
}

/** METRICS_PORT: `/metrics` on 127.0.0.1 only, without a token; every other path is 404. */
export async function listenForMetrics(port: number, source: MetricsSource, log: FastifyBaseLogger): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only /metrics is served here.\n');
      return;
    }
    source().then(
      (metrics) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : metrics.text);
      },
      (error: unknown) => {
        log.warn({ err: error }, 'the metrics could not be gathered');
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The metrics could not be gathered; try again.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
