/**
 * How long database work may wait, on both databases. Each limit, when it
 * runs out, answers 503 DATABASE_UNAVAILABLE with Retry-After
 * (db/database-faults.ts) instead of keeping a request, its connection and
 * its client waiting. Sésame's own statements are indexed lookups and short
 * transactions: a healthy database answers in milliseconds, so each limit is
 * far above normal work and only cuts a database in trouble.
 */

export interface DatabaseLimits {
  /** Waiting for a connection: a new one to connect, or a pooled one to be free. */
  acquireMs: number;
  /** Waiting for a lock another transaction holds (PostgreSQL `lock_timeout`; SQLite's busy wait). */
  lockWaitMs: number;
  /** One statement (PostgreSQL `statement_timeout`; SQLite statements are local and run to the end). */
  statementMs: number;
  /** A transaction left open with no statement running (PostgreSQL `idle_in_transaction_session_timeout`). */
  idleInTransactionMs: number;
  /** Past `statementMs`, how long a statement's answer may be silent before the connection is taken for lost (a network partition). */
  answerGraceMs: number;
}

export const DATABASE_LIMITS: DatabaseLimits = {
  // Every query holds a connection for milliseconds: 10 s without one means every connection is stuck or
  // the server cannot be reached, and the client is better told to come back than left waiting.
  acquireMs: 10_000,
  // A row lock is held by Sésame for one short transaction; 10 s means someone else holds it (an operator's
  // psql, a stuck transaction).
  lockWaitMs: 10_000,
  // The largest statements (an audit page, a folder's properties) take well under a second on a large
  // installation; twice the lock wait leaves room for a lock wait followed by the statement itself.
  statementMs: 20_000,
  // A transaction waits on nothing but the database and a password hash (under a second).
  idleInTransactionMs: 20_000,
  // The server answers a statement that ran out of time at once: a silence this long is a lost network.
  answerGraceMs: 5_000,
};
