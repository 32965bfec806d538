// Throwaway PostgreSQL cluster for the test suite: initdb into a fresh temp
// dir, start it on a free 127.0.0.1 port, and tear it all down afterwards.
// A test that stops, restarts or starves PostgreSQL starts a cluster of its
// own (with extra settings if it needs them), halts and starts it again on
// the same port, and never touches the runner's shared cluster.
// Uses the Debian server binaries; when running as root, runs them as the
// `postgres` system user (initdb refuses to run as root).

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  url: string;
  /** Stops the server and removes the cluster's files. */
  stop(): Promise<void>;
  /** Stops the server only (`pg_ctl stop -m <mode>`), keeping its files: `start` brings it back on the same port. */
  halt(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the server again after `halt`. */
  start(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra server settings, each `name=value` (passed as `-c name=value`). */
  settings?: string[];
}

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** Highest-versioned /usr/lib/postgresql/<v>/bin that has initdb and pg_ctl. */
function findServerBinDir(): string {
  const versions = existsSync(DEBIAN_PG_ROOT) ? readdirSync(DEBIAN_PG_ROOT) : [];
  const candidates = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_PG_ROOT, v, 'bin'))
    .filter((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
  const found = candidates[0];
  if (found === undefined) {
    throw new Error(
      `PostgreSQL server binaries were not found (looked for initdb and pg_ctl under ${DEBIAN_PG_ROOT}/*/bin). ` +
        'The test suite needs a real PostgreSQL server; install it with: ' +
        'apt-get update && apt-get install -y postgresql',
    );
  }
  return found;
}

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/**
 * Run a PostgreSQL binary (as `postgres` when we are root) and resolve with its
 * output. Resolves on process exit rather than stream close, because
 * `pg_ctl start` leaves the server running in the background.
 */
function run(command: string, args: string[], cwd: string, asPostgres: boolean): Promise<string> {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else {
        const status = signal ?? `exit code ${code}`;
        reject(new Error(`${[file, ...argv].join(' ')} failed (${status}):\n${output.trim()}`));
      }
    });
  });
}

/** uid/gid of the `postgres` system user (created by the Debian package). */
async function postgresIds(cwd: string): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number.parseInt(await run('id', ['-u', 'postgres'], cwd, false), 10);
    const gid = Number.parseInt(await run('id', ['-g', 'postgres'], cwd, false), 10);
    return { uid, gid };
  } catch {
    throw new Error('running as root, but there is no `postgres` system user to run PostgreSQL as');
  }
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = findServerBinDir();
  const initdb = join(bin, 'initdb');
  const pgCtl = join(bin, 'pg_ctl');
  const asPostgres = process.getuid?.() === 0;

  // Layout: <dir>/data is the cluster, <dir>/server.log the log, <dir> the socket dir.
  const dir = await mkdtemp(join(tmpdir(), 'sesame-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        await run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], dir, asPostgres);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    if (asPostgres) {
      const { uid, gid } = await postgresIds(dir);
      await chown(dir, uid, gid);
    }
    await run(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], dir, asPostgres);
    const port = await freePort();
    const serverOptions = [
      '-c listen_addresses=127.0.0.1',
      `-p ${port}`,
      `-k ${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      ...(options.settings ?? []).map((setting) => `-c ${setting}`),
    ].join(' ');
    const start = async (): Promise<void> => {
      try {
        await run(pgCtl, ['-D', dataDir, '-w', '-l', logFile, '-o', serverOptions, 'start'], dir, asPostgres);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`${message}\n--- tail of ${logFile} ---\n${await logTail(logFile)}`);
      }
    };
    const halt = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
      await run(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop'], dir, asPostgres);
    };
    await start();
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, halt, start };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
