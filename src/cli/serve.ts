/**
 * `sesame serve`: builds the server, creates the first administrator on an
 * empty database (printing its password once, on the console, never in the
 * log), listens — in WORKERS processes when more than one (cli/workers.ts) —
 * and shuts down cleanly on SIGINT/SIGTERM.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { buildServer } from '../server.js';
import { ensureFirstAdmin } from '../accounts/first-admin.js';
import { isWorkerProcess, leaveCluster, startWorkers } from './workers.js';

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function serve(config: Config, console: Writable): Promise<void> {
  const server = await buildServer({ config });
  if (isWorkerProcess()) {
    await server.app.listen({ host: config.host, port: config.port });
    await untilSignal();
    await server.close();
    leaveCluster();
    return;
  }
  const admin = await ensureFirstAdmin(server.services);
  let stop: () => Promise<void>;
  if (config.workers > 1) {
    // The primary only migrates and creates the first admin; the workers serve.
    await server.close();
    ({ stop } = await startWorkers(config.workers));
  } else {
    await server.app.listen({ host: config.host, port: config.port });
    stop = () => server.close();
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  const processes = config.workers > 1 ? `, ${config.workers} processes` : '';
  console.write(`Sésame is listening on ${config.publicUrl.origin} (${where}${processes}).\n`);
  if (admin) {
    console.write(
      `\nFirst start: created the administrator "${admin.username}" with the password\n\n    ${admin.password}\n\n` +
        'It is shown this once; sign in and change it.\n\n',
    );
  }
  await untilSignal();
  await stop().catch(() => undefined);
}
