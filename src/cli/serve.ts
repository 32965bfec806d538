/**
 * `sesame serve`: builds the server, creates the first administrator on an
 * empty database (printing its password once, on the console, never in the
 * log), listens, and shuts down cleanly on SIGINT/SIGTERM.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { buildServer } from '../server.js';
import { ensureFirstAdmin } from '../accounts/first-admin.js';

export async function serve(config: Config, console: Writable): Promise<void> {
  const server = await buildServer({ config });
  const admin = await ensureFirstAdmin(server.services);
  await server.app.listen({ host: config.host, port: config.port });
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  console.write(`Sésame is listening on ${config.publicUrl.origin} (${where}).\n`);
  if (admin) {
    console.write(
      `\nFirst start: created the administrator "${admin.username}" with the password\n\n    ${admin.password}\n\n` +
        'It is shown this once; sign in and change it.\n\n',
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
