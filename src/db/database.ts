/**
 * Opens the database: the embedded SQLite file under the data directory, or
 * PostgreSQL when a URL is given, then brings the schema up to date. This is
 * the only place that knows which driver is in use.
 */
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect, type LogEvent } from 'kysely';
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

function postgresDialect(url: string): Dialect {
  // Epoch-millisecond columns are int8; they fit a JS number exactly.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === PG_INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  return new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10, types }) });
}

function sqliteDialect(dataDir: string): Dialect {
  preparePrivateDirectory(dataDir);
  const location = path.join(dataDir, 'sesame.db');
  // SQLite creates its -wal and -shm files with the database file's mode.
  preparePrivateFile(location);
  for (const companion of ['-wal', '-shm', '-journal']) restrictIfPresent(location + companion);
  const file = new SqliteDatabase(location);
  // WAL lets the CLI work on the database while the server runs.
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database: file });
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  const dialect = options.databaseUrl ? postgresDialect(options.databaseUrl) : sqliteDialect(options.dataDir);
  const db = new Kysely<Database>({ dialect, ...(options.onQuery ? { log: options.onQuery } : {}) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
