/**
 * What a driver's failure means to a client. An error that says the
 * database cannot serve now — unreachable, restarting, out of connections,
 * a time limit or a lock wait ran out — becomes DATABASE_UNAVAILABLE; one
 * that says its storage cannot take a write — disk full, read-only, not
 * permitted — becomes STORAGE_FULL. Both are 503 with Retry-After and keep
 * the driver's error as their cause, for the log. Every other error (a
 * constraint, a bug) is left as it is. Only the database modules call these,
 * on errors that came out of the driver: a network error code means "the
 * database is unreachable" only there.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { SesameError, isSesameError } from '../errors.js';

/** A restart or a failover takes seconds: clients come back soon. */
export const DATABASE_RETRY_AFTER_S = 5;
/** Someone has to free space or give permissions back: clients wait longer. */
export const STORAGE_RETRY_AFTER_S = 60;

export function databaseUnavailable(cause: unknown): SesameError {
  return new SesameError('DATABASE_UNAVAILABLE', 'The database is unreachable or too busy right now; try again shortly.', {
    retryAfter: DATABASE_RETRY_AFTER_S,
    cause,
  });
}

export function storageFull(cause: unknown): SesameError {
  return new SesameError('STORAGE_FULL', 'The server cannot write its data right now (storage full or not writable).', {
    retryAfter: STORAGE_RETRY_AFTER_S,
    cause,
  });
}

/** A SesameError that stands for a database fault (the request may succeed later, unchanged). */
export function isDatabaseFault(error: unknown): error is SesameError {
  return isSesameError(error, 'DATABASE_UNAVAILABLE') || isSesameError(error, 'STORAGE_FULL');
}

const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|PERM)/;
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;

/** SQLite's storage and lock errors as faults; anything else unchanged. */
export function sqliteFault(error: unknown): unknown {
  if (!(error instanceof SqliteDatabase.SqliteError)) return error;
  if (SQLITE_STORAGE.test(error.code)) return storageFull(error);
  if (SQLITE_BUSY.test(error.code)) return databaseUnavailable(error);
  return error;
}

export function isSqliteBusy(error: unknown): boolean {
  return error instanceof SqliteDatabase.SqliteError && SQLITE_BUSY.test(error.code);
}

/** SQLSTATEs of a server that cannot serve now, or of a time limit that ran out. */
const POSTGRES_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: a fast stop, pg_terminate_backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '57P05', // idle_session_timeout
  '53000', // insufficient_resources
  '53200', // out_of_memory
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available: lock_timeout
  '25P03', // idle_in_transaction_session_timeout
  '25006', // read_only_sql_transaction: a standby after a failover
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const POSTGRES_STORAGE = new Set(['53100' /* disk_full */, '58030' /* io_error */]);

/** Errors of the connection itself (socket, pool, pg's own timers), which carry no SQLSTATE. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Query read timeout',
];

/** The connection to PostgreSQL was lost or could not be made: the client that saw it must not be used again. */
export function isPostgresConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof pg.DatabaseError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (error instanceof AggregateError && error.errors.some(isPostgresConnectionLoss)) return true;
  return CONNECTION_MESSAGES.some((message) => error.message.includes(message));
}

/** PostgreSQL's availability, time-limit and storage errors as faults; anything else unchanged. */
export function postgresFault(error: unknown): unknown {
  if (isDatabaseFault(error)) return error;
  if (error instanceof pg.DatabaseError && error.code !== undefined) {
    if (POSTGRES_STORAGE.has(error.code)) return storageFull(error);
    if (POSTGRES_UNAVAILABLE.has(error.code) || error.code.startsWith('08')) return databaseUnavailable(error);
    return error;
  }
  return isPostgresConnectionLoss(error) ? databaseUnavailable(error) : error;
}

/** The driver's own words for a fault ("connect ECONNREFUSED 127.0.0.1:5432", "database or disk is full"). */
export function causeOf(error: SesameError): string {
  const cause = error.cause;
  if (cause instanceof AggregateError && cause.message === '') {
    return cause.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))).join('; ');
  }
  return cause instanceof Error ? cause.message : String(cause);
}

/** One line for the log and the console: the fault's own words, then its cause's. */
export function describeFault(error: SesameError): string {
  return error.cause === undefined ? error.message : `${error.message} (${causeOf(error)})`;
}
