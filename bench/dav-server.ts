/**
 * The Sésame server of `npm run bench:dav`, in its own processes:
 *
 *   node --import tsx bench/dav-server.ts <dataDir> <port> <workers> <auth|no-auth>
 *
 * The primary migrates, creates the user `bench` with a webdav app password
 * and the benchmark files (written on disk in the user's space), prints
 * `{ userId, password }` as one JSON line, then forks the workers (the same
 * code as `sesame serve`). With `no-auth`, /dav/ serves the user without
 * credentials: the benchmark-only switch, reachable from this script alone.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { buildServer } from '../src/server.js';
import { createUser } from '../src/accounts/users.js';
import { createAppPassword } from '../src/app-passwords/store.js';
import { isWorkerProcess, startWorkers } from '../src/cli/workers.js';
import { writeBenchFiles } from './dav-files.js';

const [dataDir, port, workers, mode] = process.argv.slice(2) as [string, string, string, 'auth' | 'no-auth'];

const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: port,
  WORKERS: workers,
  LOG_LEVEL: 'silent',
  SESAME_SECRET_KEY: process.env.BENCH_KEY ?? crypto.createHash('sha256').update(dataDir).digest('hex'),
});

if (isWorkerProcess()) {
  const user = { userId: process.env.BENCH_USER_ID!, username: 'bench' };
  const server = await buildServer({ config, ...(mode === 'no-auth' ? { unauthenticatedDavUserForBenchmark: user } : {}) });
  await server.app.listen({ host: '127.0.0.1', port: config.port });
} else {
  const server = await buildServer({ config });
  const actor = { userId: null, name: 'bench', ip: '', client: '' };
  const userId = (await createUser(server.services, { username: 'bench', password: 'bench password 1', role: 'user' }, actor)).id;
  const { secret } = await createAppPassword(server.services, userId, { name: 'bench', application: 'webdav' }, actor, 'cli');
  writeBenchFiles(path.join(dataDir, 'files', userId));
  await server.close();
  process.env.BENCH_USER_ID = userId;
  const running = startWorkers(config.workers, (line) => void process.stderr.write(`${line}\n`));
  await running.listening;
  process.stdout.write(`${JSON.stringify({ userId, password: secret })}\n`);
  process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
}
