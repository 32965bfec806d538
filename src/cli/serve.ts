/**
 * `sesame serve`: builds the server, listens, and only then — so that a
 * start that fails creates nobody — makes sure an administrator exists,
 * printing a created one's password once, on the console, never in the log.
 * Shuts down cleanly on SIGINT/SIGTERM.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { buildServer } from '../server.js';
import { ensureFirstAdmin } from '../accounts/first-admin.js';

export async function serve(config: Config, console: Writable): Promise<void> {
  const server = await buildServer({ config });
  try {
    await server.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await server.close();
    throw error;
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  console.write(`Sésame is listening on ${config.publicUrl.origin} (${where}).\n`);
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
