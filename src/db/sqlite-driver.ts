/**
 * Kysely's driver for the SQLite file, shaped by what a server process
 * needs of it. One connection, prepared statements kept (Kysely would
 * re-parse the SQL of every query), and no wait that holds the process:
 * better-sqlite3 runs synchronously, so SQLite's own busy timeout would
 * stop every request while another process holds the write lock. Instead
 * the connection's busy timeout is zero, each transaction starts with
 * `BEGIN IMMEDIATE` (the write lock is taken at the start, so a transaction
 * never fails half-way for want of it), and a statement refused for a lock
 * outside a transaction — which changed nothing — is tried again on a
 * timer until the lock wait runs out. The wait for the connection itself
 * is bounded too. A rollback after SQLite already rolled the transaction
 * back (it does on a full disk) is skipped, so the caller sees the error
 * that caused it. Storage and lock errors leave as STORAGE_FULL and
 * DATABASE_UNAVAILABLE (db/database-faults.ts).
 */
import type SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { databaseUnavailable, isSqliteBusy, sqliteFault } from './database-faults.js';
import type { DatabaseLimits } from './limits.js';

/** Most distinct statements kept prepared; far above the number the code has. */
export const STATEMENT_CACHE_SIZE = 500;

/** The longest pause between two tries of a statement refused for a lock. */
const MAX_LOCK_RETRY_PAUSE_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hands the one connection to one caller at a time, first come first served, within a time limit. */
class ConnectionQueue {
  private taken = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly timeoutMs: number) {}

  take(): Promise<void> {
    if (!this.taken) {
      this.taken = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(databaseUnavailable(new Error(`the SQLite connection was not free within ${this.timeoutMs} ms`)));
      }, this.timeoutMs);
      timer.unref();
      this.waiting.push(grant);
    });
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.taken = false;
  }
}

class SqliteFileConnection implements DatabaseConnection {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(
    private readonly file: SqliteDatabase.Database,
    private readonly lockWaitMs: number,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_LOCK_RETRY_PAUSE_MS)) {
      const outsideTransaction = !this.file.inTransaction;
      try {
        return this.runOnce<R>(compiled);
      } catch (error) {
        if (!(outsideTransaction && isSqliteBusy(error) && Date.now() + pause < deadline)) throw sqliteFault(error);
      }
      await sleep(pause);
    }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Sésame does not stream query results');
  }

  /** Whether a transaction is still open: SQLite ends one by itself on some errors (a full disk). */
  get inTransaction(): boolean {
    return this.file.inTransaction;
  }

  private runOnce<R>({ sql, parameters }: CompiledQuery): QueryResult<R> {
    const statement = this.prepared(sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  private prepared(sql: string): SqliteDatabase.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.file.prepare(sql);
      if (this.statements.size < STATEMENT_CACHE_SIZE) this.statements.set(sql, statement);
    }
    return statement;
  }
}

class SqliteFileDriver implements Driver {
  private readonly queue: ConnectionQueue;
  private readonly connection: SqliteFileConnection;

  constructor(
    private readonly file: SqliteDatabase.Database,
    limits: DatabaseLimits,
  ) {
    this.queue = new ConnectionQueue(limits.acquireMs);
    this.connection = new SqliteFileConnection(file, limits.lockWaitMs);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.queue.take();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.connection.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.queue.give();
  }

  async destroy(): Promise<void> {
    this.file.close();
  }
}

/** Kysely's SQLite dialect (compiler, adapter, introspector) over the driver above. */
export class SqliteFileDialect implements Dialect {
  constructor(
    private readonly file: SqliteDatabase.Database,
    private readonly limits: DatabaseLimits,
  ) {}

  createDriver(): Driver {
    return new SqliteFileDriver(this.file, this.limits);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
