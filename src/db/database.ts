/**
 * Opens the database: the embedded SQLite file under the data directory, or
 * PostgreSQL when a URL is given, then brings the schema up to date. With
 * the drivers' own modules beside it (db/sqlite-driver.ts,
 * db/postgres-pool.ts, db/database-faults.ts), the only place that knows
 * which driver is in use.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, type LogEvent } from 'kysely';
import { preparePrivateDirectory, preparePrivateFile, restrictIfPresent } from '../security/private-files.js';
import { sqliteFault } from './database-faults.js';
import { DATABASE_LIMITS, type DatabaseLimits } from './limits.js';
import { migrationProvider } from './migrations.js';
import { BoundedPool, type PoolStats } from './postgres-pool.js';
import type { Database } from './schema.js';
import { SqliteFileDialect, STATEMENT_CACHE_SIZE } from './sqlite-driver.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Observes every executed query (benchmarks count writes with it). */
  onQuery?: (event: LogEvent) => void;
  /** Told when the server or the network takes away a PostgreSQL connection (it is replaced when next needed). */
  onConnectionLost?: (error: Error) => void;
  /** Time limits; the defaults suit production (tests shorten them). */
  limits?: DatabaseLimits;
}

/** Connections of the serving pool: every query and transaction but the hot path's reads. */
const POOL_SIZE = 10;
/**
 * Connections kept for the hot path's reads (the direct reader): a request
 * whose credential was verified before needs one read of the auth-state
 * version, and must not queue behind sign-ins that hold every connection
 * of the serving pool while they wait for a lock.
 */
const READER_POOL_SIZE = 3;

/** Memory map of the SQLite file for reads (a ceiling, not an allocation). */
const MMAP_BYTES = 256 * 1024 * 1024;
/** Page cache of the read-only connection, KiB. */
const READ_CACHE_KIB = 64 * 1024;

/**
 * Runs one read-only statement prepared once per connection: synchronously
 * on SQLite, as a promise on PostgreSQL. `rows` returns its rows as objects;
 * `value` the first column of its first row (undefined without one), built
 * into no object at all.
 */
export interface DirectReader {
  rows(sql: string, parameters: readonly unknown[]): unknown[] | Promise<unknown[]>;
  value(sql: string, parameters: readonly unknown[]): unknown;
}

const directReaders = new WeakMap<Db, DirectReader>();
const connectionPools = new WeakMap<Db, Record<'serving' | 'reader', BoundedPool>>();

/** PostgreSQL's two pools, by name, for the metrics; none on SQLite (one connection, no pool). */
export function connectionPoolsOf(db: Db): Record<'serving' | 'reader', { readonly stats: PoolStats }> | null {
  return connectionPools.get(db) ?? null;
}

/**
 * The hot path's reader, outside Kysely. On SQLite, a second, read-only
 * connection on the same file that runs a prepared statement synchronously,
 * outside Kysely's one-connection queue: it sees what is committed (WAL),
 * never a transaction in progress. On PostgreSQL, the pool with a named
 * prepared statement: each connection parses and plans it once.
 */
export function directReaderOf(db: Db): DirectReader {
  const reader = directReaders.get(db);
  if (!reader) throw new Error('directReaderOf: this database handle was not opened by openDatabase');
  return reader;
}

/** One statement name per SQL text: the same text gets the same name on every connection and node. */
function statementName(sql: string): string {
  return `sesame_${crypto.createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
}

function postgresDirectReader(pool: BoundedPool, onQuery: DatabaseOptions['onQuery']): DirectReader {
  const names = new Map<string, string>();
  const run = async (sql: string, parameters: readonly unknown[], rowMode?: 'array') => {
    let name = names.get(sql);
    if (name === undefined) {
      name = statementName(sql);
      names.set(sql, name);
    }
    const started = onQuery ? performance.now() : 0;
    const rows = await pool.read<unknown>({ name, text: sql, values: [...parameters], ...(rowMode ? { rowMode } : {}) });
    onQuery?.({
      level: 'query',
      query: CompiledQuery.raw(sql, [...parameters]),
      queryDurationMillis: performance.now() - started,
    });
    return rows;
  };
  return {
    rows: (sql, parameters) => run(sql, parameters),
    value: async (sql, parameters) => ((await run(sql, parameters, 'array'))[0] as unknown[] | undefined)?.[0],
  };
}

function sqliteDirectReader(file: string, onQuery: DatabaseOptions['onQuery']): DirectReader & { close(): void } {
  const connection = new SqliteDatabase(file, { readonly: true });
  // Readers of a WAL database wait only while another connection recovers the log after a crash.
  connection.pragma('busy_timeout = 5000');
  // Pages are read through a memory map and kept in a larger cache: index probes over many
  // passwords then cost no read() system call each.
  connection.pragma(`mmap_size = ${MMAP_BYTES}`);
  connection.pragma(`cache_size = -${READ_CACHE_KIB}`);
  const statements = new Map<string, SqliteDatabase.Statement>();
  const values = new Map<string, SqliteDatabase.Statement>();
  const prepared = (cache: Map<string, SqliteDatabase.Statement>, sql: string, pluck: boolean) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = connection.prepare(sql).pluck(pluck);
      if (cache.size < STATEMENT_CACHE_SIZE) cache.set(sql, statement);
    }
    return statement;
  };
  const observed = <T>(sql: string, parameters: readonly unknown[], run: () => T): T => {
    try {
      if (!onQuery) return run();
      const started = performance.now();
      const result = run();
      onQuery({
        level: 'query',
        query: CompiledQuery.raw(sql, [...parameters]),
        queryDurationMillis: performance.now() - started,
      });
      return result;
    } catch (error) {
      throw sqliteFault(error);
    }
  };
  return {
    rows: (sql, parameters) => observed(sql, parameters, () => prepared(statements, sql, false).all(...parameters)),
    value: (sql, parameters) => observed(sql, parameters, () => prepared(values, sql, true).get(...parameters)),
    close: () => connection.close(),
  };
}

function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'sesame.db');
}

function openSqliteFile(dataDir: string): SqliteDatabase.Database {
  preparePrivateDirectory(dataDir);
  const location = sqliteFile(dataDir);
  // SQLite creates its -wal and -shm files with the database file's mode.
  preparePrivateFile(location);
  for (const companion of ['-wal', '-shm', '-journal']) restrictIfPresent(location + companion);
  try {
    const file = new SqliteDatabase(location);
    // WAL lets the CLI work on the database while the server runs.
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    // Lock waits happen on a timer in the driver (db/sqlite-driver.ts), never inside a synchronous call.
    file.pragma('busy_timeout = 0');
    file.pragma(`mmap_size = ${MMAP_BYTES}`);
    return file;
  } catch (error) {
    throw sqliteFault(error);
  }
}

/** Also closes `also` when the database is destroyed. */
function closingWith(db: Db, also: () => unknown): void {
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    await also();
    await destroy();
  };
}

/**
 * A transaction that failed only because another one got in its way and
 * may simply be run again: PostgreSQL's deadlock or serialization failure
 * (which database-faults.ts reports as DATABASE_UNAVAILABLE, the driver's
 * error as its cause), and SQLite's busy snapshot.
 */
export function isTransientConflict(error: unknown): boolean {
  const codeOf = (value: unknown) => (value as { code?: unknown } | null | undefined)?.code;
  return [codeOf(error), codeOf((error as { cause?: unknown } | null)?.cause)].some(
    (code) => code === '40P01' || code === '40001' || code === 'SQLITE_BUSY_SNAPSHOT',
  );
}

async function migrate(db: Kysely<unknown>): Promise<void> {
  // Branches add migrations independently (006 may reach a database before 005): each runs once, in name order
  // among those not yet run, and none depends on another's columns.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/**
 * PostgreSQL: migrations run first on a connection of their own, whose
 * statements have no time limit (a migration may rewrite a large table) but
 * whose waits are bounded; then the serving pool and the hot path's reader
 * pool, both with every limit.
 */
async function openPostgres(url: string, options: DatabaseOptions, limits: DatabaseLimits): Promise<Db> {
  const onConnectionLost = options.onConnectionLost ?? (() => undefined);
  const log = options.onQuery ? { log: options.onQuery } : {};
  const migrations = new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new BoundedPool({ url, max: 1, limits, unboundedStatements: true, onConnectionLost }),
    }),
    ...log,
  });
  try {
    await migrate(migrations);
  } finally {
    await migrations.destroy();
  }
  const serving = new BoundedPool({ url, max: POOL_SIZE, limits, onConnectionLost });
  const reader = new BoundedPool({ url, max: READER_POOL_SIZE, limits, onConnectionLost });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: serving }), ...log });
  directReaders.set(db, postgresDirectReader(reader, options.onQuery));
  connectionPools.set(db, { serving, reader });
  closingWith(db, () => reader.end());
  return db;
}

/** SQLite: the file, migrated on its one read-write connection, then the read-only connection of the hot path. */
async function openSqlite(dataDir: string, options: DatabaseOptions, limits: DatabaseLimits): Promise<Db> {
  const db = new Kysely<Database>({
    dialect: new SqliteFileDialect(openSqliteFile(dataDir), limits),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
  try {
    await migrate(db as Kysely<unknown>);
    const reader = sqliteDirectReader(sqliteFile(dataDir), options.onQuery);
    directReaders.set(db, reader);
    closingWith(db, () => reader.close());
  } catch (error) {
    await db.destroy();
    throw sqliteFault(error);
  }
  return db;
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  const limits = options.limits ?? DATABASE_LIMITS;
  return options.databaseUrl ? openPostgres(options.databaseUrl, options, limits) : openSqlite(options.dataDir, options, limits);
}
