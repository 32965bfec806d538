/**
 * Opens the database: the embedded SQLite file under the data directory, or
 * PostgreSQL when a URL is given, then brings the schema up to date. This is
 * the only place that knows which driver is in use.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type Dialect,
  type LogEvent,
  type SqliteDialectConfig,
} from 'kysely';
import { preparePrivateDirectory, preparePrivateFile, restrictIfPresent } from '../security/private-files.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Observes every executed query (benchmarks count writes with it). */
  onQuery?: (event: LogEvent) => void;
}

const PG_INT8_OID = 20;

function postgresPool(url: string): pg.Pool {
  // Epoch-millisecond columns are int8; they fit a JS number exactly.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === PG_INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  return new pg.Pool({ connectionString: url, max: 10, types });
}

/** Memory map of the SQLite file for reads (a ceiling, not an allocation). */
const MMAP_BYTES = 256 * 1024 * 1024;
/** Page cache of the read-only connection, KiB. */
const READ_CACHE_KIB = 64 * 1024;

/** Most distinct statements kept prepared; far above the number the code has. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 as Kysely sees it (its `{ prepare, close }` shape), with
 * each statement prepared once and reused: Kysely asks to prepare a
 * statement for every query it runs, which would otherwise re-parse the SQL.
 */
function withPreparedStatements(file: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => file.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = file.prepare(sql);
        if (statements.size < STATEMENT_CACHE_SIZE) statements.set(sql, statement);
      }
      return statement;
    },
  };
}

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

function postgresDirectReader(pool: pg.Pool, onQuery: DatabaseOptions['onQuery']): DirectReader {
  const names = new Map<string, string>();
  const run = async (sql: string, parameters: readonly unknown[], rowMode?: 'array') => {
    let name = names.get(sql);
    if (name === undefined) {
      name = statementName(sql);
      names.set(sql, name);
    }
    const started = onQuery ? performance.now() : 0;
    const result = await pool.query({ name, text: sql, values: [...parameters], ...(rowMode ? { rowMode } : {}) });
    onQuery?.({
      level: 'query',
      query: CompiledQuery.raw(sql, [...parameters]),
      queryDurationMillis: performance.now() - started,
    });
    return result.rows as unknown[];
  };
  return {
    rows: (sql, parameters) => run(sql, parameters),
    value: async (sql, parameters) => ((await run(sql, parameters, 'array'))[0] as unknown[] | undefined)?.[0],
  };
}

function sqliteDirectReader(file: string, onQuery: DatabaseOptions['onQuery']): DirectReader & { close(): void } {
  const connection = new SqliteDatabase(file, { readonly: true });
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
    if (!onQuery) return run();
    const started = performance.now();
    const result = run();
    onQuery({
      level: 'query',
      query: CompiledQuery.raw(sql, [...parameters]),
      queryDurationMillis: performance.now() - started,
    });
    return result;
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

function sqliteDialect(dataDir: string): Dialect {
  preparePrivateDirectory(dataDir);
  const location = sqliteFile(dataDir);
  // SQLite creates its -wal and -shm files with the database file's mode.
  preparePrivateFile(location);
  for (const companion of ['-wal', '-shm', '-journal']) restrictIfPresent(location + companion);
  const file = new SqliteDatabase(location);
  // WAL lets the CLI work on the database while the server runs.
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  file.pragma(`mmap_size = ${MMAP_BYTES}`);
  return new SqliteDialect({ database: withPreparedStatements(file) });
}

/** Opens the read-only connection once the schema exists, and closes it with the database. */
function attachDirectReader(db: Db, file: string, onQuery: DatabaseOptions['onQuery']): void {
  const reader = sqliteDirectReader(file, onQuery);
  directReaders.set(db, reader);
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    reader.close();
    await destroy();
  };
}

/**
 * A transaction that failed only because another one got in its way and
 * may simply be run again: SQLite's busy snapshot (a deferred transaction
 * whose snapshot another connection's commit made stale before it could
 * write), and PostgreSQL's deadlock or serialization failure.
 */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === '40P01' || code === '40001';
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  const pool = options.databaseUrl ? postgresPool(options.databaseUrl) : undefined;
  const dialect = pool ? new PostgresDialect({ pool }) : sqliteDialect(options.dataDir);
  const db = new Kysely<Database>({ dialect, ...(options.onQuery ? { log: options.onQuery } : {}) });
  try {
    // Branches add migrations independently (006 may reach a database before 005): each runs once, in name order
    // among those not yet run, and none depends on another's columns.
    const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy();
    throw error;
  }
  if (pool) directReaders.set(db, postgresDirectReader(pool, options.onQuery));
  else attachDirectReader(db, sqliteFile(options.dataDir), options.onQuery);
  return db;
}
