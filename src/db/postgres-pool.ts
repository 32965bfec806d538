/**
 * PostgreSQL connections as Sésame uses them: a `pg` pool whose every wait
 * is bounded (db/limits.ts), whose lost connections are replaced, and whose
 * failures reach callers as DATABASE_UNAVAILABLE or STORAGE_FULL with the
 * driver's error as cause. A connection can be lost at any time — a restart
 * or failover, `pg_terminate_backend`, `idle_session_timeout`, a network
 * that drops packets — and `pg` then emits an `error` event: every pooled
 * connection has a listener from the moment it connects, so such an event
 * is logged and the connection discarded, never left unhandled (which would
 * end the process). Kysely reaches the pool through the `{ connect, end }`
 * shape it expects.
 */
import pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { databaseUnavailable, isPostgresConnectionLoss, postgresFault } from './database-faults.js';
import type { DatabaseLimits } from './limits.js';

export interface PostgresPoolOptions {
  url: string;
  /** Most connections open at once. */
  max: number;
  limits: DatabaseLimits;
  /** No statement time limit (migrations, which may rewrite large tables): only the waits are bounded. */
  unboundedStatements?: boolean;
  /** Told once per connection that the server or the network took away. */
  onConnectionLost: (error: Error) => void;
}

export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
}

const PG_INT8_OID = 20;

// Epoch-millisecond columns are int8; they fit a JS number exactly.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The server ended the session (these come as errors of the statement that was running). */
const SESSION_ENDED = new Set(['57P01', '57P02', '57P05']);

function endedConnection(error: unknown): boolean {
  return (
    (error instanceof pg.DatabaseError && SESSION_ENDED.has(error.code ?? '')) ||
    (isPostgresConnectionLoss(error) && !(error instanceof Error && error.message.includes('Query read timeout')))
  );
}

/** One checked-out connection. Once lost it is never given back to the pool, and a rollback on it is a no-op. */
class BoundedClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    /** Why each lost connection was lost. */
    private readonly lost: WeakMap<pg.Client, unknown>,
  ) {}

  get isLost(): boolean {
    return this.lost.has(this.client);
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sql: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string') throw new Error('cursors are not used with this pool');
    // The server ended the transaction with the connection: rolling back has nothing left to do, and
    // failing here would hide the error that made the caller roll back.
    if (sql === 'rollback' && this.isLost) return Promise.resolve({ command: 'ROLLBACK', rowCount: 0, rows: [] });
    return this.run<R>({ text: sql, values: [...(parameters ?? [])] }) as Promise<PostgresQueryResult<R>>;
  }

  async run<R>(config: pg.QueryConfig): Promise<pg.QueryResult & { rows: R[] }> {
    // Lost between two statements (a transaction's): said with the reason, not as "not queryable".
    if (this.isLost) throw databaseUnavailable(this.lost.get(this.client));
    try {
      return (await this.client.query(config)) as pg.QueryResult & { rows: R[] };
    } catch (error) {
      // A statement whose answer never came may still run: the connection is not reused.
      if ((isPostgresConnectionLoss(error) || endedConnection(error)) && !this.isLost) this.lost.set(this.client, error);
      throw postgresFault(error);
    }
  }

  release(destroy = false): void {
    this.client.release(destroy || this.isLost);
  }
}

export class BoundedPool implements PostgresPool {
  private readonly pool: pg.Pool;
  private readonly lost = new WeakMap<pg.Client, unknown>();

  constructor(options: PostgresPoolOptions) {
    const { limits } = options;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max,
      types,
      // Bounds both a new connection and the wait for a pooled one.
      connectionTimeoutMillis: limits.acquireMs,
      keepAlive: true,
      lock_timeout: limits.lockWaitMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionMs,
      ...(options.unboundedStatements
        ? {}
        : { statement_timeout: limits.statementMs, query_timeout: limits.statementMs + limits.answerGraceMs }),
    });
    this.pool.on('connect', (client) => {
      client.on('error', (error) => {
        if (this.lost.has(client)) return;
        this.lost.set(client, error);
        options.onConnectionLost(error);
      });
    });
    // pg-pool repeats an idle connection's error here after discarding it; the connection's own listener told it already.
    this.pool.on('error', () => undefined);
  }

  async connect(): Promise<BoundedClient> {
    try {
      return new BoundedClient(await this.pool.connect(), this.lost);
    } catch (error) {
      throw postgresFault(error);
    }
  }

  /**
   * Runs one read-only statement on a pooled connection. A connection the
   * server had ended (a restart, `pg_terminate_backend`, an idle-session
   * timeout) before the pool noticed is replaced and the statement run once
   * more: a read changes nothing. A deadline that ran out is not retried.
   */
  async read<R>(config: pg.QueryConfig): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      try {
        return (await client.run<R>(config)).rows;
      } catch (error) {
        if (attempt > 1 || !(error instanceof Error) || !endedConnection(error.cause)) throw error;
      } finally {
        client.release();
      }
    }
  }

  /** Connections open, idle among them, and requests waiting for one (for the metrics). */
  get stats(): PoolStats {
    return { open: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
