/**
 * `npm run bench:auth` — the cost of Basic-auth verification with app
 * passwords (docs/BENCHMARKS.md records a run).
 *
 * 0. The hot-path ratio: verified Basic requests against a route of the same
 *    server that needs no authentication, driven by wrk in rounds that
 *    alternate the order of the cases; medians of the rounds.
 * 1. Latency (p50, p99) and throughput of GET /api/v1/forward-auth/webdav
 *    with a Basic header, on a real Sésame server holding 100 000 app
 *    passwords (1 000 users × 100), on SQLite and on PostgreSQL, next to a
 *    naive peer measured in the same run: the same request against a table
 *    of argon2id hashes, one argon2.verify per request.
 * 2. The database writes caused by 10 000 authenticated requests of one
 *    password within one minute, counted through the server's `onQuery`
 *    hook (must be at most one write per password per minute).
 *
 * Servers run in this process on 127.0.0.1; the load comes from
 * bench/load-client.ts in a child process, so it never shares the measured
 * server's event loop. PostgreSQL is a throwaway cluster started here
 * (Debian binaries, as for the tests) and stopped at the end, also on error.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { hashPassword, verifyPassword } from '../src/accounts/primary-password.js';
import { parseBasicAuthorization } from '../src/auth/basic-header.js';
import { VerifiedCredentials } from '../src/auth/verified-credentials.js';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/pg-cluster.js';
import { basic, DAY_MS, PASSWORDS_PER_USER, seedSesame, startSesame, username, USERS, type Dialect } from './auth-fixture.js';
import type { LoadConfig, LoadResult } from './load-client.js';
import { median } from './median.js';
import { runWrk, type WrkResult } from './wrk.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOAD_CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));

const WRITE_TEST_REQUESTS = 10_000;
const CONNECTIONS = 16;
const WARMUP_MS = 1_000;
/** Per case: connections, and the measurement window for Sésame and for the naive peer (far slower, so given more time to collect samples). */
const CASES = [
  { connections: 1, sesameMs: 3_000, naiveMs: 8_000 },
  { connections: CONNECTIONS, sesameMs: 5_000, naiveMs: 12_000 },
] as const;
/** Distinct argon2id hashes in the naive table (its verify cost does not depend on which hash, nor on the table size). */
const NAIVE_DISTINCT_HASHES = 4;
const PATH = '/api/v1/forward-auth/webdav';

/**
 * The hot-path ratio, measured by wrk: verified Basic requests against an unauthenticated route of the same server,
 * in BENCH_AUTH_ROUNDS rounds (3) of BENCH_AUTH_SECONDS (5) per case; each round runs the cases in another order.
 */
const WRK_CASE = { threads: 2, connections: CONNECTIONS, durationS: Number(process.env.BENCH_AUTH_SECONDS ?? 5) } as const;
const HOT_ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 3);
const BARE_PATH = '/api/v1/no-such-route';
/** Target of verified Basic throughput over the bare route, on SQLite. */
const HOT_PATH_TARGET = 0.7;

interface Measured {
  result: WrkResult;
  /** Server CPU time (user + system) per request, µs. */
  cpuUs: number;
}

/** The hot path's cases: the bare route, verified Basic, and the same verified requests with no credential reused (every one looked up: the path taken under attack). */
const HOT_CASES = ['bare', 'basic', 'lookup'] as const;
type HotCase = (typeof HOT_CASES)[number];

interface HotPath {
  dialect: Dialect;
  rounds: Record<HotCase, Measured>[];
}

function progress(message: string): void {
  process.stderr.write(`· ${message}\n`);
}

// ---------------------------------------------------------------------------
// Counting the server's SQL through onQuery

const WRITE = /^(insert|update|delete|replace|merge|create|alter|drop|truncate)\b/;

/**
 * Classifies every statement the server runs. Write transactions are the
 * explicit transactions (BEGIN … COMMIT; all counted, as an upper bound)
 * plus write statements run while no transaction is open (autocommit).
 */
class QueryCounter {
  active = false;
  statements = 0;
  writeStatements = 0;
  transactions = 0;
  autocommitWrites = 0;
  readonly writeKinds = new Map<string, number>();
  private open = 0;

  observe(text: string): void {
    // Classified by its first words: lower-casing every statement whole would add the harness's own cost to each verified request.
    const head = text.trimStart().slice(0, 64).toLowerCase();
    const statement = head.startsWith('with') ? text.trimStart().toLowerCase() : head;
    if (/^(begin|start transaction)\b/.test(statement)) {
      this.open += 1;
      if (this.active) this.transactions += 1;
      return;
    }
    if (/^(commit|rollback)\b/.test(statement)) {
      this.open = Math.max(0, this.open - 1);
      return;
    }
    if (!this.active) return;
    this.statements += 1;
    const isWrite = WRITE.test(statement) || (/^with\b/.test(statement) && /\b(insert|update|delete)\b/.test(statement));
    if (!isWrite) return;
    this.writeStatements += 1;
    if (this.open === 0) this.autocommitWrites += 1;
    const kind = /^(insert into|update|delete from|\w+)\s+"?([\w.]+)"?/.exec(statement);
    const label = kind ? `${kind[1]!.toUpperCase()} ${kind[2]}` : statement.slice(0, 30);
    this.writeKinds.set(label, (this.writeKinds.get(label) ?? 0) + 1);
  }

  get writeTransactions(): number {
    return this.transactions + this.autocommitWrites;
  }

  reset(): void {
    this.statements = 0;
    this.writeStatements = 0;
    this.transactions = 0;
    this.autocommitWrites = 0;
    this.writeKinds.clear();
  }

  describeWrites(): string {
    return [...this.writeKinds].map(([label, n]) => `${n} × ${label}`).join(', ') || 'none';
  }
}

// ---------------------------------------------------------------------------
// Load runs in a child process

let loadRun = 0;

async function runLoad(tmp: string, config: LoadConfig): Promise<LoadResult> {
  const file = path.join(tmp, `load-${++loadRun}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_CLIENT, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The client stops by itself; this only guards against a hung child.
  const limitMs = config.warmupMs + config.durationMs + 120_000;
  const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(guard));
  if (code !== 0) throw new Error(`load client failed (exit ${code}):\n${stderr.trim()}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

function durationCase(port: number, authorizations: string[], connections: number, durationMs: number): LoadConfig {
  return {
    port,
    path: PATH,
    authorizations,
    connections,
    mode: 'duration',
    warmupMs: WARMUP_MS,
    durationMs,
    requests: 0,
    expectStatus: 204,
  };
}

// ---------------------------------------------------------------------------
// Sésame

// ---------------------------------------------------------------------------
// The naive peer: argon2id per request

interface NaiveDatabase {
  naive_app_passwords: { seq: number; username: string; application: string; password_hash: string; expires_at: number };
}

interface NaivePeer {
  port: number;
  rotating: string[];
  close(): Promise<void>;
}

/**
 * A minimal Fastify server with the same route: it fetches the named user's
 * argon2id hashes (indexed by username) and verifies the password against
 * them in order. The client's password always matches the first hash, so
 * each request costs exactly one argon2.verify — the naive design's best case.
 */
async function startNaive(dialect: Dialect, databaseUrl: string | undefined, dataDir: string): Promise<NaivePeer> {
  let db: Kysely<NaiveDatabase>;
  if (dialect === 'postgres') {
    db = new Kysely<NaiveDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 10 }) }),
    });
  } else {
    const file = new SqliteDatabase(path.join(dataDir, 'naive.db'));
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    db = new Kysely<NaiveDatabase>({ dialect: new SqliteDialect({ database: file }) });
  }
  let app: FastifyInstance | undefined;
  try {
    await db.schema
      .createTable('naive_app_passwords')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('naive_app_passwords_username').on('naive_app_passwords').column('username').execute();

    // Hashing 100 000 passwords with argon2id would take hours; a handful of
    // distinct hashes is enough, since argon2.verify costs the same for any.
    const secrets = Array.from({ length: NAIVE_DISTINCT_HASHES }, () => crypto.randomBytes(18).toString('base64url'));
    const hashes = await Promise.all(secrets.map((s) => hashPassword(s)));
    const filler = await hashPassword(crypto.randomBytes(16).toString('hex'));
    const expires = Date.now() + 365 * DAY_MS;
    const rotating: string[] = [];
    await db.transaction().execute(async (trx) => {
      for (let u = 0; u < USERS; u += 10) {
        const batch: NaiveDatabase['naive_app_passwords'][] = [];
        for (let v = u; v < Math.min(u + 10, USERS); v++) {
          for (let p = 0; p < PASSWORDS_PER_USER; p++) {
            batch.push({
              seq: v * PASSWORDS_PER_USER + p,
              username: username(v),
              application: 'webdav',
              password_hash: p === 0 ? hashes[v % hashes.length]! : filler,
              expires_at: expires,
            });
          }
          rotating.push(basic(username(v), secrets[v % secrets.length]!));
        }
        await trx.insertInto('naive_app_passwords').values(batch).execute();
      }
    });
    await sql`analyze`.execute(db);

    app = Fastify({ logger: false });
    app.get<{ Params: { application: string } }>('/api/v1/forward-auth/:application', async (request, reply) => {
      const parsed = parseBasicAuthorization(request.headers.authorization);
      if (parsed.kind === 'basic') {
        const rows = await db
          .selectFrom('naive_app_passwords')
          .select('password_hash')
          .where('username', '=', parsed.credentials.username)
          .where('application', '=', request.params.application)
          .where('expires_at', '>', Date.now())
          .orderBy('seq')
          .execute();
        for (const row of rows) {
          if (await verifyPassword(row.password_hash, parsed.credentials.password)) {
            return reply.status(204).header('x-sesame-user', encodeURIComponent(parsed.credentials.username)).send();
          }
        }
      }
      return reply.status(401).header('www-authenticate', 'Basic realm="naive"').send();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the naive peer is not listening on a TCP port');
    const started = app;
    return {
      port: address.port,
      rotating,
      async close() {
        await started.close();
        await db.destroy();
      },
    };
  } catch (error) {
    await app?.close();
    await db.destroy();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// One dialect

interface ThroughputRow {
  dialect: Dialect;
  design: 'Sésame' | 'naive argon2id';
  result: LoadResult;
  /** Sésame only: SQL statements per request and write transactions during the run (warm-up included). */
  statementsPerRequest?: number;
  writeTransactions?: number;
}

interface Priming {
  requests: number;
  writeTransactions: number;
  writes: string;
}

interface WriteCheck {
  dialect: Dialect;
  result: LoadResult;
  writeStatements: number;
  writeTransactions: number;
  writes: string;
  deferredTransactions: number;
  deferredWrites: string;
  recordedUses: number;
  pass: boolean;
}

async function benchSesame(
  dialect: Dialect,
  databaseUrl: string | undefined,
  tmp: string,
): Promise<{ rows: ThroughputRow[]; check: WriteCheck; version: string; priming: Priming; hotPath: HotPath }> {
  const counter = new QueryCounter();
  const dataDir = fs.mkdtempSync(path.join(tmp, `sesame-${dialect}-`));
  progress(`${dialect}: starting Sésame and seeding ${USERS} users, ${USERS * PASSWORDS_PER_USER} app passwords`);
  const { server, port } = await startSesame(dialect, databaseUrl, dataDir, (query) => counter.observe(query));
  try {
    const seed = await seedSesame(server);
    const version =
      dialect === 'sqlite'
        ? `SQLite ${(await sql<{ v: string }>`select sqlite_version() as v`.execute(server.services.db)).rows[0]!.v}`
        : `PostgreSQL ${(await sql<{ server_version: string }>`show server_version`.execute(server.services.db)).rows[0]!.server_version}`;

    // Prime: use each rotating credential once, so that its first-use write
    // happens here and the windows below show the steady state within a minute.
    progress(`${dialect}: priming the ${seed.rotating.length} rotating credentials`);
    counter.reset();
    counter.active = true;
    const primed = await runLoad(tmp, {
      port,
      path: PATH,
      authorizations: seed.rotating,
      connections: CONNECTIONS,
      mode: 'count',
      warmupMs: 0,
      durationMs: 0,
      requests: seed.rotating.length,
      expectStatus: 204,
    });
    counter.active = false;
    if (primed.requests !== seed.rotating.length || primed.errors > 0 || Object.keys(primed.unexpected).length > 0) {
      throw new Error(`priming failed: ${JSON.stringify(primed)}`);
    }
    const priming = { requests: primed.requests, writeTransactions: counter.writeTransactions, writes: counter.describeWrites() };

    progress(
      `${dialect}: wrk, bare route, verified Basic, verified with no credential reused, ${WRK_CASE.durationS} s each, ${HOT_ROUNDS} rounds`,
    );
    const measure = async (hotCase: HotCase): Promise<Measured> => {
      const reusing = server.services.verified;
      // A memory of capacity 0 keeps nothing: each request takes the full lookup, as when a failure anywhere has moved the version.
      if (hotCase === 'lookup') server.services.verified = new VerifiedCredentials(0);
      try {
        const before = process.cpuUsage();
        const result = await runWrk(tmp, {
          ...WRK_CASE,
          port,
          path: hotCase === 'bare' ? BARE_PATH : PATH,
          authorizations: hotCase === 'bare' ? [] : seed.rotating,
        });
        const cpu = process.cpuUsage(before);
        if (hotCase !== 'bare' && (result.non2xx > 0 || result.socketErrors > 0)) {
          throw new Error(`wrk: ${result.non2xx} verified requests were not 204, ${result.socketErrors} socket errors`);
        }
        return { result, cpuUs: (cpu.user + cpu.system) / Math.max(1, result.requests) };
      } finally {
        server.services.verified = reusing;
      }
    };
    const hotPath: HotPath = { dialect, rounds: [] };
    for (let round = 0; round < HOT_ROUNDS; round++) {
      // Round r starts with case r (mod 3), so that a drift of the machine's load favours no case.
      const order = HOT_CASES.map((_, i) => HOT_CASES[(i + round) % HOT_CASES.length]!);
      const measured: Partial<Record<HotCase, Measured>> = {};
      for (const hotCase of order) measured[hotCase] = await measure(hotCase);
      hotPath.rounds.push(measured as Record<HotCase, Measured>);
    }

    const rows: ThroughputRow[] = [];
    for (const c of CASES) {
      progress(`${dialect}: Sésame, ${c.connections} connection(s), ${c.sesameMs / 1000} s`);
      counter.reset();
      counter.active = true;
      const result = await runLoad(tmp, durationCase(port, seed.rotating, c.connections, c.sesameMs));
      counter.active = false;
      rows.push({
        dialect,
        design: 'Sésame',
        result,
        statementsPerRequest: counter.statements / Math.max(1, result.totalRequests),
        writeTransactions: counter.writeTransactions,
      });
    }

    // Settle the uses of the runs above, so that the window below holds only the fresh password's writes.
    await server.services.usage.flush(true);
    progress(`${dialect}: ${WRITE_TEST_REQUESTS} requests of one password`);
    counter.reset();
    counter.active = true;
    const result = await runLoad(tmp, {
      port,
      path: PATH,
      authorizations: [seed.fresh.authorization],
      connections: CONNECTIONS,
      mode: 'count',
      warmupMs: 0,
      durationMs: 0,
      requests: WRITE_TEST_REQUESTS,
      expectStatus: 204,
    });
    counter.active = false;
    const window = {
      statements: counter.writeStatements,
      transactions: counter.writeTransactions,
      writes: counter.describeWrites(),
    };

    // The uses counted in memory since then are written at the password's next minute (or at shutdown): force it now.
    counter.reset();
    counter.active = true;
    await server.services.usage.flush(true);
    counter.active = false;
    const deferred = { transactions: counter.writeTransactions, writes: counter.describeWrites() };
    const recorded = await server.services.db
      .selectFrom('connections')
      .select((eb) => eb.fn.sum<number>('count').as('uses'))
      .where('credential', '=', seed.fresh.id)
      .where('outcome', '=', 'success')
      .executeTakeFirstOrThrow();

    const allowed = Math.max(1, Math.ceil(result.elapsedMs / 60_000));
    const allOk = result.requests === WRITE_TEST_REQUESTS && result.errors === 0 && Object.keys(result.unexpected).length === 0;
    return {
      rows,
      version,
      priming,
      hotPath,
      check: {
        dialect,
        result,
        writeStatements: window.statements,
        writeTransactions: window.transactions,
        writes: window.writes,
        deferredTransactions: deferred.transactions,
        deferredWrites: deferred.writes,
        recordedUses: Number(recorded.uses ?? 0),
        pass: allOk && window.transactions <= allowed,
      },
    };
  } finally {
    await server.close();
  }
}

async function benchNaive(dialect: Dialect, databaseUrl: string | undefined, tmp: string): Promise<ThroughputRow[]> {
  const dataDir = fs.mkdtempSync(path.join(tmp, `naive-${dialect}-`));
  progress(`${dialect}: starting the naive peer and seeding ${USERS * PASSWORDS_PER_USER} argon2id rows`);
  const naive = await startNaive(dialect, databaseUrl, dataDir);
  try {
    const rows: ThroughputRow[] = [];
    for (const c of CASES) {
      progress(`${dialect}: naive argon2id, ${c.connections} connection(s), ${c.naiveMs / 1000} s`);
      const result = await runLoad(tmp, durationCase(naive.port, naive.rotating, c.connections, c.naiveMs));
      rows.push({ dialect, design: 'naive argon2id', result });
    }
    return rows;
  } finally {
    await naive.close();
  }
}

async function createDatabase(clusterUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------------------
// Report

function group(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function ms(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : group(n);
}

function ratio(n: number): string {
  return n >= 100 ? `${group(n)}×` : `${n.toFixed(1)}×`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The median of the rounds' figures for one case. */
function wrkRow(dialect: Dialect, route: string, rounds: Measured[]): string[] {
  const of = (pick: (m: Measured) => number) => median(rounds.map(pick));
  return [
    dialect,
    route,
    group(of((m) => m.result.requestsPerSecond)),
    ms(of((m) => m.result.p50Ms)),
    ms(of((m) => m.result.p99Ms)),
    of((m) => m.cpuUs).toFixed(0),
  ];
}

/** The median of the rounds' own ratios, followed by each round's. */
function roundRatios(each: number[]): { median: number; text: string } {
  const m = median(each);
  return { median: m, text: `${m.toFixed(2)} (${each.map((x) => x.toFixed(2)).join(', ')})` };
}

function reportHotPath(hotPaths: HotPath[]): { lines: string[]; pass: boolean } {
  const lines = [
    `0. The hot path: wrk -t${WRK_CASE.threads} -c${WRK_CASE.connections} -d${WRK_CASE.durationS}s on 127.0.0.1, one server, ${HOT_ROUNDS} rounds, each`,
    `   running the three cases in another order: GET ${BARE_PATH} (no authentication, 404), GET ${PATH}`,
    `   with Basic auth (1 000 rotating credentials, all 204), and the same with no credential reused.`,
    "   Figures: the median of the rounds. Ratios: the median of the rounds' ratios (each round's in parentheses).",
    '',
    table(
      ['database', 'route', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req'],
      hotPaths.flatMap((h) => [
        wrkRow(
          h.dialect,
          'bare (404)',
          h.rounds.map((r) => r.bare),
        ),
        wrkRow(
          h.dialect,
          'verified Basic',
          h.rounds.map((r) => r.basic),
        ),
        wrkRow(
          h.dialect,
          'verified, no reuse',
          h.rounds.map((r) => r.lookup),
        ),
      ]),
      new Set([2, 3, 4, 5]),
    ),
  ];
  let pass = true;
  for (const h of hotPaths) {
    const throughput = roundRatios(h.rounds.map((r) => r.basic.result.requestsPerSecond / r.bare.result.requestsPerSecond));
    const cpu = roundRatios(h.rounds.map((r) => r.bare.cpuUs / r.basic.cpuUs));
    const lookup = roundRatios(h.rounds.map((r) => r.lookup.result.requestsPerSecond / r.bare.result.requestsPerSecond));
    const met = throughput.median >= HOT_PATH_TARGET;
    if (h.dialect === 'sqlite' && !met) pass = false;
    lines.push(
      `   ${h.dialect}: verified Basic / bare throughput = ${throughput.text} (target ≥ ${HOT_PATH_TARGET} on SQLite)` +
        `${h.dialect === 'sqlite' ? (met ? ' PASS' : ' FAIL') : ''}; CPU per request bare / verified = ${cpu.text}`,
    );
    lines.push(
      `   ${h.dialect}: with no credential reused (every request looked up, as under attack): ${lookup.text} the bare route`,
    );
  }
  lines.push('');
  return { lines, pass };
}

function report(
  hotPaths: HotPath[],
  rows: ThroughputRow[],
  checks: WriteCheck[],
  primings: { dialect: Dialect; priming: Priming }[],
  versions: string[],
  startedAt: Date,
  loadAtStart: number[],
  elapsedS: number,
): boolean {
  const out: string[] = [];
  out.push('Sésame auth benchmark');
  out.push(
    `date ${startedAt.toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), ${versions.join(', ')}`,
  );
  out.push(`load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  out.push('');
  const hot = reportHotPath(hotPaths);
  out.push(...hot.lines);
  out.push(
    `1. GET ${PATH} with Basic auth: ${group(USERS * PASSWORDS_PER_USER)} stored app passwords (${group(USERS)} users × ${PASSWORDS_PER_USER}),`,
  );
  out.push(`   the load rotating through ${group(USERS)} credentials (one per user); load generator in a child process,`);
  out.push(`   keep-alive, closed loop; ${WARMUP_MS / 1000} s warm-up, then a fixed window. Every counted reply must be 204.`);
  for (const { dialect, priming } of primings) {
    out.push(
      `   Sésame on ${dialect} primed first with ${group(priming.requests)} requests, one per credential: ${group(priming.writeTransactions)} write transactions (${priming.writes}).`,
    );
  }
  out.push('');
  out.push(
    table(
      ['database', 'design', 'conns', 'window', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'not 204', 'SQL/req', 'write tx'],
      rows.map((r) => [
        r.dialect,
        r.design,
        String(r.result.connections),
        `${r.result.elapsedMs / 1000} s`,
        group(r.result.requests),
        group(r.result.perSecond),
        ms(r.result.p50Ms),
        ms(r.result.p99Ms),
        String(Object.values(r.result.unexpected).reduce((a, b) => a + b, 0) + r.result.errors),
        r.statementsPerRequest === undefined ? '' : r.statementsPerRequest.toFixed(2),
        r.writeTransactions === undefined ? '' : group(r.writeTransactions),
      ]),
      new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ),
  );
  out.push('');
  out.push('   SQL/req: statements per request, warm-up included; write tx: write transactions during the run');
  out.push('   (each primed password was written at its first use; its later uses within the minute are coalesced).');
  out.push('');
  const ratioRows: string[][] = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const c of CASES) {
      const find = (design: ThroughputRow['design']) =>
        rows.find((r) => r.dialect === dialect && r.design === design && r.result.connections === c.connections);
      const sesame = find('Sésame');
      const naive = find('naive argon2id');
      if (!sesame || !naive) continue;
      ratioRows.push([
        dialect,
        String(c.connections),
        ratio(sesame.result.perSecond / naive.result.perSecond),
        ratio(naive.result.p50Ms / sesame.result.p50Ms),
        ratio(naive.result.p99Ms / sesame.result.p99Ms),
      ]);
    }
  }
  out.push(
    table(
      ['database', 'conns', 'throughput Sésame/naive', 'p50 naive/Sésame', 'p99 naive/Sésame'],
      ratioRows,
      new Set([1, 2, 3, 4]),
    ),
  );
  out.push('');
  out.push(
    `2. Database writes caused by ${group(WRITE_TEST_REQUESTS)} authenticated requests of one password (never used before),`,
  );
  out.push(`   ${CONNECTIONS} connections, counted with the server's onQuery hook:`);
  let ok = hot.pass;
  for (const c of checks) {
    const r = c.result;
    const within = r.elapsedMs <= 60_000;
    out.push('');
    out.push(
      `   ${c.dialect}: ${group(r.requests)} requests answered 204 in ${(r.elapsedMs / 1000).toFixed(1)} s (${within ? 'within one minute' : 'MORE than one minute'}), ${group(r.perSecond)} req/s, errors ${r.errors}`,
    );
    out.push(`     write transactions: ${c.writeTransactions}`);
    out.push(`     write statements:   ${c.writeStatements} (${c.writes})`);
    out.push(
      `     the ${group(WRITE_TEST_REQUESTS - 1)} later uses are counted in memory and written at the password's next minute,`,
    );
    out.push(
      `     forced here: ${c.deferredTransactions} transaction (${c.deferredWrites}); uses recorded in the database: ${group(c.recordedUses)}`,
    );
    out.push(
      `     ${c.pass ? 'PASS' : 'FAIL'}: ${c.writeTransactions} write transaction(s) for ${group(r.requests)} requests in ${(r.elapsedMs / 1000).toFixed(1)} s (limit: 1 per password per minute)`,
    );
    ok &&= c.pass;
  }
  const failedRuns = rows.filter((r) => r.result.errors > 0 || Object.keys(r.result.unexpected).length > 0);
  if (failedRuns.length > 0) {
    out.push('');
    out.push(`   FAIL: ${failedRuns.length} throughput run(s) had replies other than 204 or network errors.`);
    ok = false;
  }
  out.push('');
  out.push(`bench finished in ${elapsedS.toFixed(0)} s: ${ok ? 'PASS' : 'FAIL'}`);
  process.stdout.write(out.join('\n') + '\n');
  return ok;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
  let cluster: PostgresCluster | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    void (cluster?.stop() ?? Promise.resolve()).finally(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
      process.kill(process.pid, signal);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const rows: ThroughputRow[] = [];
    const hotPaths: HotPath[] = [];
    const checks: WriteCheck[] = [];
    const versions: string[] = [];
    const primings: { dialect: Dialect; priming: Priming }[] = [];
    const loadAtStart = os.loadavg();

    const sqlite = await benchSesame('sqlite', undefined, tmp);
    rows.push(...sqlite.rows);
    hotPaths.push(sqlite.hotPath);
    checks.push(sqlite.check);
    versions.push(sqlite.version);
    primings.push({ dialect: 'sqlite', priming: sqlite.priming });
    rows.push(...(await benchNaive('sqlite', undefined, tmp)));

    progress('postgres: starting a throwaway cluster');
    cluster = await startPostgresCluster();
    const postgres = await benchSesame('postgres', await createDatabase(cluster.url, 'sesame_bench'), tmp);
    rows.push(...postgres.rows);
    hotPaths.push(postgres.hotPath);
    checks.push(postgres.check);
    versions.push(postgres.version);
    primings.push({ dialect: 'postgres', priming: postgres.priming });
    rows.push(...(await benchNaive('postgres', await createDatabase(cluster.url, 'naive_bench'), tmp)));

    const ok = report(hotPaths, rows, checks, primings, versions, startedAt, loadAtStart, (performance.now() - t0) / 1000);
    if (!ok) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:auth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
