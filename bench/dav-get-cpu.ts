/**
 * `npm run bench:dav-get-cpu` — the server CPU one WebDAV GET of a 4 KiB file
 * costs, against the floor of any Node server doing the same work. In this
 * one process, on loopback:
 *
 * - Sésame (`buildServer`, one process, SQLite) serving /dav/file.bin with
 *   authentication switched off (the benchmark-only switch) or with an app
 *   password over Basic;
 * - two bare `node:http` servers serving the same file with the same
 *   headers and one `res.end`: one reads it the safe way on every GET
 *   (`open` with O_NOFOLLOW, `readlink` of /proc/<pid>/fd, `fstat`, one
 *   `read`, `close`), the other does what a hit of Sésame's small-file cache
 *   does (one `lstat`, the bytes kept in memory): the floors of a Node
 *   server doing either work.
 *
 * `wrk` (Debian) drives each in turn, alternating, for BENCH_ROUNDS rounds of
 * BENCH_SECONDS; the figure is this process's CPU time (user + system) per
 * request over the window, which the load of other processes skews far less
 * than requests per second. Last, a V8 CPU profile of one more round of each
 * Sésame peer prints the self time per request by module. Measures only: it changes
 * nothing it measures.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config/config.js';
import { buildServer, type Server } from '../src/server.js';
import { createUser } from '../src/accounts/users.js';
import { createAppPassword } from '../src/app-passwords/store.js';
import { writeBenchFiles } from './dav-files.js';
import { runWrk } from './wrk.js';
import { moduleOf } from './profile-module.js';
import { median } from './median.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WRK_CASE = { threads: 1, connections: 16, durationS: SECONDS } as const;
const FILE_PATH = '/dav/file.bin';

interface Peer {
  name: string;
  port: number;
  authorizations: string[];
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function sendFile(response: http.ServerResponse, stats: fs.Stats, body: Buffer): void {
  response.writeHead(200, {
    etag: `"${stats.ino.toString(36)}-${stats.size.toString(36)}-${Math.round(stats.mtimeMs * 1000).toString(36)}"`,
    'last-modified': new Date(stats.mtimeMs).toUTCString(),
    'cache-control': 'private, no-cache',
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': stats.size,
  });
  response.end(body);
}

/** A floor: the system calls and headers of Sésame's safe read, nothing else. */
function startSafeReadFloor(root: string): Promise<number> {
  const openFiles = `/proc/${process.pid}/fd/`;
  const server = http.createServer((request, response) => {
    const full = `${root}${(request.url ?? '').slice('/dav'.length)}`;
    const fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      if (fs.readlinkSync(`${openFiles}${fd}`) !== full) throw new Error('not the file asked for');
      const stats = fs.fstatSync(fd);
      const body = Buffer.allocUnsafe(stats.size);
      fs.readSync(fd, body, 0, stats.size, 0);
      sendFile(response, stats, body);
    } finally {
      fs.closeSync(fd);
    }
  });
  return listen(server);
}

/** A floor: what a hit of the small-file cache does (one lstat; the bytes already in memory), nothing else. */
function startCachedFloor(root: string): Promise<number> {
  const kept = new Map<string, Buffer>();
  const server = http.createServer((request, response) => {
    const full = `${root}${(request.url ?? '').slice('/dav'.length)}`;
    const stats = fs.lstatSync(full);
    let body = kept.get(full);
    if (body === undefined) {
      body = fs.readFileSync(full);
      kept.set(full, body);
    }
    sendFile(response, stats, body);
  });
  return listen(server);
}

async function startSesame(
  dataDir: string,
): Promise<{ servers: Server[]; open: number; authenticated: number; authorization: string }> {
  const config = loadConfig({ DATA_DIR: dataDir, WORKERS: '1', LOG_LEVEL: 'silent', SESAME_SECRET_KEY: 'b'.repeat(64) });
  const authenticated = await buildServer({ config });
  const actor = { userId: null, name: 'bench', ip: '', client: '' };
  const userId = (
    await createUser(authenticated.services, { username: 'bench', password: 'bench password 1', role: 'user' }, actor)
  ).id;
  const { secret } = await createAppPassword(
    authenticated.services,
    userId,
    { name: 'bench', application: 'webdav' },
    actor,
    'cli',
  );
  writeBenchFiles(path.join(dataDir, 'files', userId));
  const open = await buildServer({ config, unauthenticatedDavUserForBenchmark: { userId, username: 'bench' } });
  await authenticated.app.listen({ host: '127.0.0.1', port: 0 });
  await open.app.listen({ host: '127.0.0.1', port: 0 });
  const portOf = (server: Server) => (server.app.server.address() as AddressInfo).port;
  return {
    servers: [authenticated, open],
    open: portOf(open),
    authenticated: portOf(authenticated),
    authorization: `Basic ${Buffer.from(`bench:${secret}`).toString('base64')}`,
  };
}

/** Server CPU µs per request and requests/s of one wrk window. */
async function measure(peer: Peer, tmp: string): Promise<{ cpuUs: number; rps: number }> {
  const before = process.cpuUsage();
  const result = await runWrk(tmp, { ...WRK_CASE, port: peer.port, path: FILE_PATH, authorizations: peer.authorizations });
  const used = process.cpuUsage(before);
  if (result.non2xx > 0 || result.socketErrors > 0)
    throw new Error(`${peer.name}: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors`);
  return { cpuUs: (used.user + used.system) / result.requests, rps: result.requestsPerSecond };
}

async function profileModules(peer: Peer, tmp: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const result = await runWrk(tmp, { ...WRK_CASE, port: peer.port, path: FILE_PATH, authorizations: peer.authorizations });
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const modules = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const frame = frames.get(samples[i]!)!;
    if (frame.functionName === '(idle)') continue;
    const module = moduleOf(frame.url, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + (deltas[i + 1] ?? 0) / result.requests);
  }
  const rows = [...modules].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, us]) => sum + us, 0);
  console.log(
    `\nprofile of ${peer.name} (${Math.round(result.requestsPerSecond)} req/s under the profiler): self µs per request by module`,
  );
  for (const [module, us] of rows.slice(0, 20)) console.log(`${us.toFixed(1).padStart(8)}  ${module}`);
  console.log(`${total.toFixed(1).padStart(8)}  total`);
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-dav-get-cpu-'));
  const sesame = await startSesame(path.join(tmp, 'data'));
  try {
    const floorRoot = path.join(tmp, 'floor');
    writeBenchFiles(floorRoot);
    const peers: Peer[] = [
      { name: 'Sésame, no authentication', port: sesame.open, authorizations: [] },
      { name: 'Sésame, app-password Basic', port: sesame.authenticated, authorizations: [sesame.authorization] },
      { name: 'bare node:http, safe read', port: await startSafeReadFloor(floorRoot), authorizations: [] },
      { name: 'bare node:http, one lstat', port: await startCachedFloor(floorRoot), authorizations: [] },
    ];
    console.log(
      `bench:dav-get-cpu — GET ${FILE_PATH} (4 KiB), wrk -t1 -c16 -d${SECONDS}s × ${ROUNDS} rounds, alternating; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (const peer of peers)
      await runWrk(tmp, { ...WRK_CASE, durationS: 1, port: peer.port, path: FILE_PATH, authorizations: peer.authorizations });
    const figures = new Map<string, { cpuUs: number; rps: number }[]>(peers.map((peer) => [peer.name, []]));
    for (let round = 0; round < ROUNDS; round++) for (const peer of peers) figures.get(peer.name)!.push(await measure(peer, tmp));
    const medianCpu = (peer: Peer) => median(figures.get(peer.name)!.map((f) => f.cpuUs));
    const [safeFloor, cachedFloor] = [medianCpu(peers[2]!), medianCpu(peers[3]!)];
    console.log(
      '\npeer                            CPU µs/req (median, rounds)          req/s (median)  safe-read floor/peer  lstat floor/peer',
    );
    for (const peer of peers) {
      const cpu = figures.get(peer.name)!.map((f) => f.cpuUs);
      console.log(
        `${peer.name.padEnd(31)} ${median(cpu).toFixed(0).padStart(5)} (${cpu.map((c) => c.toFixed(0)).join(', ')})`.padEnd(70) +
          `${median(figures.get(peer.name)!.map((f) => f.rps))
            .toFixed(0)
            .padStart(
              8,
            )}  ${(safeFloor / median(cpu)).toFixed(2).padStart(20)}  ${(cachedFloor / median(cpu)).toFixed(2).padStart(16)}`,
      );
    }
    await profileModules(peers[0]!, tmp);
    await profileModules(peers[1]!, tmp);
  } finally {
    for (const server of sesame.servers) await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:dav-get-cpu failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
