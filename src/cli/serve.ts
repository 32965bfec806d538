/**
 * `sesame serve`: builds the server, listens — in WORKERS processes when
 * more than one (cli/workers.ts) — and only then, so that a start that
 * fails creates nobody, makes sure an administrator exists, printing a
 * created one's password once, on the console, never in the log. Shuts
 * down cleanly on SIGINT/SIGTERM.
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
    try {
      await server.app.listen({ host: config.host, port: config.port });
      await untilSignal();
    } finally {
      await server.close();
      leaveCluster();
    }
    return;
  }
  let stop: () => Promise<void>;
  try {
    if (config.workers > 1) {
      // The primary migrates and makes sure of the administrator; the workers serve.
      ({ stop } = await startWorkers(config.workers));
    } else {
      await server.app.listen({ host: config.host, port: config.port });
      stop = async () => undefined;
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  const processes = config.workers > 1 ? `, ${config.workers} processes` : '';
  console.write(`Sésame is listening on ${config.publicUrl.origin} (${where}${processes}).\n`);
  const admin = await ensureFirstAdmin(server.services);
  if (admin.kind === 'created') {
    console.write(
      `\nFirst start: created the administrator "${admin.username}" with the password\n\n    ${admin.password}\n\n` +
        'It is shown this once; sign in and change it.\n\n',
    );
  } else if (admin.kind === 'name-taken') {
    console.write(
      `\nThere is no administrator, and the name "${admin.username}" belongs to a regular account.\n` +
        'Create one with: sesame user add NAME --admin\n\n',
    );
  }
  await untilSignal();
  await stop().catch(() => undefined);
  await server.close();
}
