/**
 * `npm run bench:dav` — WebDAV throughput and latency of Sésame next to its
 * peers, measured in one run on this machine with the same files (a 4 KiB
 * file; a folder of 1 000 files), loopback only, load from `wrk` (Debian),
 * bounded in time:
 *
 * 1. Sésame with app-password Basic auth (WORKERS = cores),
 * 2. the same without authentication (benchmark-only switch, bench/dav-server.ts),
 * 3. Apache httpd mod_dav without auth, tuned (mpm_event, KeepAlive On,
 *    MaxKeepAliveRequests 0), started here with its own config file,
 * 4. the same Apache location with Basic auth against a bcrypt htpasswd file,
 * 5. `rclone serve webdav` with a Basic user.
 *
 * For each: GET of the 4 KiB file and PROPFIND Depth 1 of the folder,
 * requests/s, p99 and the server's CPU time per request (all its processes,
 * from /proc), in BENCH_DAV_ROUNDS rounds (3) of BENCH_DAV_SECONDS
 * (5) per case, the order of the peers reversed every other round so that
 * a drift of the machine's load favours none; each figure is the median of
 * the rounds, each ratio (1/3 and 1/2 for GET and PROPFIND) the median of
 * the rounds' ratios, printed with them. Last, the
 * RSS growth of one Sésame process during a 2 GiB PUT and a 2 GiB GET
 * (BENCH_DAV_BIG_MIB to change the size). Every server is stopped at the end,
 * also on error.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeBenchFiles } from './dav-files.js';
import { median } from './median.js';
import { runWrk, WRK } from './wrk.js';
import { freePort } from '../test/helpers/pg-cluster.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DAV_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_DAV_ROUNDS ?? 3);
const KINDS = ['GET', 'PROPFIND'] as const;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
type Kind = (typeof KINDS)[number];
const BIG_MIB = Number(process.env.BENCH_DAV_BIG_MIB ?? 2048);
const USER = 'bench';
const PASS = 'bench-peer-password';

const children: ChildProcess[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-dav-'));

interface Target {
  name: string;
  port: number;
  prefix: string;
  authorization?: string;
  /** The server's main process: its CPU time and its children's are the server's. */
  pid: number;
}

interface Figures {
  rps: number;
  p99ms: number;
  non2xx: number;
  /** Server CPU time (user + system, all its processes) per request over the window. */
  cpuUs: number;
}

/** The direct children of `pid` (the workers of a cluster, Apache's children), from /proc. */
function childrenOf(pid: number): number[] {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** CPU time in µs of `pid` and its direct children, from /proc. */
function serverCpuUs(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // A child that exited meanwhile.
    }
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

function requireTool(file: string, pkg: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: apt-get install ${pkg}`);
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(!!socket.end()));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function startSesame(mode: 'auth' | 'no-auth', workers: string): Promise<Target> {
  const port = await freePort();
  const dataDir = path.join(work, `sesame-${mode}-${workers}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/dav-server.ts', dataDir, String(port), workers, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`bench/dav-server.ts exited with ${code}`)));
  });
  const { password } = JSON.parse(line) as { password: string };
  await waitForPort(port);
  return {
    name: '',
    port,
    prefix: '/dav',
    pid: child.pid!,
    ...(mode === 'auth' ? { authorization: basicHeader('bench', password) } : {}),
  };
}

const APACHE_MODULES = [
  'mpm_event',
  'authz_core',
  'authn_core',
  'authn_file',
  'auth_basic',
  'authz_user',
  'alias',
  'dav',
  'dav_fs',
  'mime',
];

async function startApache(): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const dir = path.join(work, 'apache');
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true });
  writeBenchFiles(data);
  execFileSync('/usr/bin/htpasswd', ['-cbB', path.join(dir, 'htpasswd'), USER, PASS], { stdio: 'ignore' });
  execFileSync('chown', ['-R', 'www-data:www-data', dir]);
  fs.chmodSync(work, 0o755);
  const conf = [
    ...APACHE_MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    `ServerRoot ${dir}`,
    `DefaultRuntimeDir ${dir}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    'User www-data',
    'Group www-data',
    `Mutex file:${dir} default`,
    'KeepAlive On',
    'MaxKeepAliveRequests 0',
    'KeepAliveTimeout 30',
    'TypesConfig /etc/mime.types',
    `DavLockDB ${dir}/davlock`,
    `Alias /open ${data}`,
    `Alias /auth ${data}`,
    `<Directory ${data}>`,
    '  Dav On',
    '  Require all granted',
    '</Directory>',
    '<Location /auth>',
    '  AuthType Basic',
    '  AuthName bench',
    '  AuthBasicProvider file',
    `  AuthUserFile ${dir}/htpasswd`,
    '  Require valid-user',
    '</Location>',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'httpd.conf'), conf);
  const child = spawn('/usr/sbin/apache2', ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: 'inherit' });
  children.push(child);
  try {
    await waitForPort(port);
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'error.log'))
      ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8')
      : '(no error.log)';
    throw new Error(`Apache did not start: ${log}`, { cause: error });
  }
  return { port, pid: child.pid! };
}

async function startRclone(): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const data = path.join(work, 'rclone');
  writeBenchFiles(data);
  const child = spawn(
    '/usr/bin/rclone',
    ['serve', 'webdav', data, '--addr', `127.0.0.1:${port}`, '--user', USER, '--pass', PASS],
    { stdio: 'ignore' },
  );
  children.push(child);
  await waitForPort(port);
  return { port, pid: child.pid! };
}

const PROPFIND = {
  method: 'PROPFIND',
  headers: { Depth: '1', 'Content-Type': 'application/xml' },
  body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
};

/** One bounded `wrk` window of `kind` against `target`, with the server's CPU time over it. */
async function measure(target: Target, kind: Kind, seconds = DURATION): Promise<Figures> {
  const cpuBefore = serverCpuUs(target.pid);
  const result = await runWrk(work, {
    port: target.port,
    path: `${target.prefix}/${kind === 'GET' ? 'file.bin' : 'folder/'}`,
    authorizations: target.authorization ? [target.authorization] : [],
    threads: 2,
    connections: 16,
    durationS: seconds,
    timeoutS: 10,
    ...(kind === 'PROPFIND' ? PROPFIND : {}),
  });
  const cpuUs = serverCpuUs(target.pid) - cpuBefore;
  return {
    rps: result.requestsPerSecond,
    p99ms: result.p99Ms,
    non2xx: result.non2xx,
    cpuUs: cpuUs / result.requests,
  };
}

async function checkTarget(target: Target): Promise<void> {
  for (const [method, p, expected] of [
    ['GET', 'file.bin', 200],
    ['PROPFIND', 'folder/', 207],
  ] as const) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: target.port,
          method,
          path: `${target.prefix}/${p}`,
          headers: { depth: '1', ...(target.authorization ? { authorization: target.authorization } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    if (status !== expected) throw new Error(`${target.name}: ${method} ${p} answered ${status}, expected ${expected}`);
  }
}

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** PUT then GET of BIG_MIB MiB through one worker process, sampling its RSS every 50 ms. */
async function measureBigTransfer(): Promise<{ putMiB: number; getMiB: number; seconds: number }> {
  const target = await startSesame('auth', '1');
  const worker = childrenOf(target.pid)[0]!;
  const base = rssKiB(worker);
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(worker))), 50);
  const chunk = crypto.randomBytes(1024 * 1024);
  const started = Date.now();
  const put = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'PUT',
        path: '/dav/big.bin',
        headers: { authorization: target.authorization!, 'content-length': String(BIG_MIB * 1024 * 1024) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    Readable.from(
      (function* () {
        for (let i = 0; i < BIG_MIB; i++) yield chunk;
      })(),
    ).pipe(req);
  });
  if (put !== 201) throw new Error(`big PUT answered ${put}`);
  const putPeak = peak - base;
  peak = rssKiB(worker);
  const getBase = peak;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: target.port, path: '/dav/big.bin', headers: { authorization: target.authorization! } },
        (res) => {
          res.on('data', (c: Buffer) => (received += c.length));
          res.on('end', resolve);
        },
      )
      .on('error', reject);
  });
  clearInterval(sampler);
  if (received !== BIG_MIB * 1024 * 1024) throw new Error(`big GET returned ${received} bytes`);
  return { putMiB: putPeak / 1024, getMiB: (peak - getBase) / 1024, seconds: (Date.now() - started) / 1000 };
}

function row(name: string, get: Figures, propfind: Figures): string {
  const cell = (f: Figures) =>
    `${f.rps.toFixed(0).padStart(8)} req/s  p99 ${f.p99ms.toFixed(2).padStart(7)} ms  CPU ${f.cpuUs.toFixed(0).padStart(6)} µs${f.non2xx ? `  (${f.non2xx} non-2xx!)` : ''}`;
  return `${name.padEnd(42)} GET ${cell(get)}   PROPFIND ${cell(propfind)}`;
}

async function main(): Promise<void> {
  for (const [file, pkg] of [
    [WRK, 'wrk'],
    ['/usr/sbin/apache2', 'apache2'],
    ['/usr/bin/rclone', 'rclone'],
    ['/usr/bin/htpasswd', 'apache2-utils'],
  ])
    requireTool(file!, pkg!);
  const cores = String(os.availableParallelism());
  console.log(
    `bench:dav — ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, wrk -t2 -c16 -d${DURATION}s per case, ${ROUNDS} rounds alternating the order of the peers`,
  );
  const sesame = { ...(await startSesame('auth', cores)), name: `1. Sésame, app-password Basic (WORKERS=${cores})` };
  const open = { ...(await startSesame('no-auth', cores)), name: `2. Sésame, no authentication (WORKERS=${cores})` };
  const apacheServer = await startApache();
  const apache = { name: '3. Apache mod_dav, no auth (tuned)', ...apacheServer, prefix: '/open' };
  const apacheAuth = {
    name: '4. Apache mod_dav, Basic + bcrypt',
    ...apacheServer,
    prefix: '/auth',
    authorization: basicHeader(USER, PASS),
  };
  const rclone = {
    name: '5. rclone serve webdav, Basic',
    ...(await startRclone()),
    prefix: '',
    authorization: basicHeader(USER, PASS),
  };
  const targets: Target[] = [sesame, open, apache, apacheAuth, rclone];
  for (const target of targets) await checkTarget(target);
  // Warm-up (JIT, caches, connections), not counted.
  for (const target of targets) for (const kind of KINDS) await measure(target, kind, 1);
  const rounds: Map<string, Record<Kind, Figures>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const measured = new Map<string, Record<Kind, Figures>>();
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const kind of KINDS) {
      for (const target of order) {
        const figures = await measure(target, kind);
        measured.set(target.name, { ...measured.get(target.name)!, [kind]: figures });
      }
    }
    rounds.push(measured);
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }
  console.log('');
  for (const target of targets) {
    const of = (kind: Kind): Figures => {
      const all = rounds.map((r) => r.get(target.name)![kind]);
      return {
        rps: median(all.map((f) => f.rps)),
        p99ms: median(all.map((f) => f.p99ms)),
        non2xx: all.reduce((sum, f) => sum + f.non2xx, 0),
        cpuUs: median(all.map((f) => f.cpuUs)),
      };
    };
    console.log(row(target.name, of('GET'), of('PROPFIND')));
  }
  /** The ratio a/b of each round (the two measured minutes apart at most), then their median. */
  const ratio = (a: Target, b: Target, kind: Kind, of: 'rps' | 'cpuUs' = 'rps') => {
    const each = rounds.map((r) => r.get(a.name)![kind][of] / r.get(b.name)![kind][of]);
    return `${median(each).toFixed(2)} (${each.map((x) => x.toFixed(2)).join(', ')})`;
  };
  console.log(`\nratios, median of the ${ROUNDS} rounds (each round's ratio in parentheses):`);
  console.log(`  GET      1/3 = ${ratio(sesame, apache, 'GET')}  target ≥ 0.8`);
  console.log(`  PROPFIND 1/3 = ${ratio(sesame, apache, 'PROPFIND')}  target ≥ 1.5`);
  console.log(`  GET      1/2 = ${ratio(sesame, open, 'GET')}  target ≥ 0.95`);
  console.log(`  PROPFIND 1/2 = ${ratio(sesame, open, 'PROPFIND')}  target ≥ 0.95`);
  console.log(
    `  server CPU per request, 2/1 (1.00: authentication costs nothing): GET ${ratio(open, sesame, 'GET', 'cpuUs')}   PROPFIND ${ratio(open, sesame, 'PROPFIND', 'cpuUs')}`,
  );
  console.log(
    `  GET 1/4 = ${ratio(sesame, apacheAuth, 'GET')}   GET 1/5 = ${ratio(sesame, rclone, 'GET')}   PROPFIND 1/5 = ${ratio(sesame, rclone, 'PROPFIND')}`,
  );
  if (BIG_MIB > 0) {
    const big = await measureBigTransfer();
    console.log(
      `\n${BIG_MIB} MiB PUT then GET through one Sésame process: RSS growth ${big.putMiB.toFixed(1)} MiB during PUT, ${big.getMiB.toFixed(1)} MiB during GET (target < 100 MB), ${big.seconds.toFixed(1)} s`,
    );
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(1500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
}
