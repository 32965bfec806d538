/**
 * `sesame serve`: builds the server — waiting for the database when it
 * cannot be reached yet (cli/database-wait.ts) — and listens, in WORKERS
 * processes when more than one (cli/workers.ts); only then, so that a start
 * that fails creates nobody, it makes sure an administrator exists,
 * printing a created one's password once, on the console, never in the
 * log. With workers the primary then closes its own database connections:
 * it serves nothing and must outlive every worker. METRICS_PORT is served by
 * the one process, or by the primary for all its workers. Shuts down cleanly
 * on SIGINT/SIGTERM, also while waiting for the database.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { buildServer, type Server } from '../server.js';
import { ensureFirstAdmin } from '../accounts/first-admin.js';
import { whenDatabaseAnswers } from './database-wait.js';
import { isWorkerProcess, leaveCluster, startWorkers, type Workers } from './workers.js';
import { localMetrics, primaryMetrics } from '../ops/metrics-source.js';
import { listenForMetrics, type MetricsListener } from '../ops/metrics-routes.js';

/** Aborted by the first SIGINT or SIGTERM. */
function stopSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

const say = (line: string) => void process.stderr.write(`sesame: ${line}\n`);

async function announceFirstAdmin(server: Server, signal: AbortSignal, console: Writable): Promise<void> {
  const admin = await whenDatabaseAnswers(() => ensureFirstAdmin(server.services), signal, say);
  if (admin?.kind === 'created') {
    console.write(
      `\nFirst start: created the administrator "${admin.username}" with the password\n\n    ${admin.password}\n\n` +
        'It is shown this once; sign in and change it.\n\n',
    );
  } else if (admin?.kind === 'name-taken') {
    console.write(
      `\nThere is no administrator, and the name "${admin.username}" belongs to a regular account.\n` +
        'Create one with: sesame user add NAME --admin\n\n',
    );
  }
}

/**
 * METRICS_PORT: the metrics on 127.0.0.1 — of this process alone, or, in the
 * primary of WORKERS processes, of every worker gathered (the same source
 * then answers a worker asked for /metrics on the shared port).
 */
async function startMetrics(config: Config, server: Server, primary: boolean): Promise<MetricsListener | null> {
  const { token, port } = config.metrics;
  if (token === null && port === null) return null;
  const source = primary ? primaryMetrics() : localMetrics(server.services.metrics.registry);
  return port === null ? null : listenForMetrics(port, source, server.app.log);
}

async function serveAsWorker(server: Server, signal: AbortSignal): Promise<void> {
  try {
    await server.app.listen({ host: server.services.config.host, port: server.services.config.port });
    await stopped(signal);
  } finally {
    await server.close();
    leaveCluster();
  }
}

export async function serve(config: Config, console: Writable): Promise<void> {
  const { signal, dispose } = stopSignal();
  try {
    const server = await whenDatabaseAnswers(() => buildServer({ config }), signal, say);
    if (server === null || signal.aborted) {
      await server?.close();
      leaveCluster();
      return;
    }
    if (isWorkerProcess()) return await serveAsWorker(server, signal);

    let workers: Workers | null = null;
    let metrics: MetricsListener | null = null;
    try {
      if (config.workers > 1) {
        // The primary migrates and makes sure of the administrator; the workers serve.
        metrics = await startMetrics(config, server, true);
        workers = startWorkers(config.workers, say);
        await Promise.race([workers.listening, stopped(signal)]);
      } else {
        await server.app.listen({ host: config.host, port: config.port });
        metrics = await startMetrics(config, server, false);
      }
    } catch (error) {
      await metrics?.close();
      await workers?.stop().catch(() => undefined);
      await server.close();
      throw error;
    }
    if (!signal.aborted) {
      const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
      const processes = config.workers > 1 ? `, ${config.workers} processes` : '';
      console.write(`Sésame is listening on ${config.publicUrl.origin} (${where}${processes}).\n`);
      await announceFirstAdmin(server, signal, console);
    }
    if (workers !== null) await server.close();
    await stopped(signal);
    await metrics?.close();
    await workers?.stop().catch(() => undefined);
    if (workers === null) await server.close();
  } finally {
    dispose();
  }
}
