// Unit tests of what a driver's failure means to a client (src/db/database-faults.ts) and of the
// pauses of the start-up wait and the worker restarts (src/cli/database-wait.ts, src/cli/workers.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { isSesameError } from '../../src/errors.js';
import { causeOf, postgresFault, sqliteFault } from '../../src/db/database-faults.js';
import { retryPauseMs } from '../../src/cli/database-wait.js';
import { restartPauseMs } from '../../src/cli/workers.js';

function postgresError(code: string, message = 'from the server'): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('postgresFault', () => {
  it('makes DATABASE_UNAVAILABLE of a server that cannot serve now, or of a limit that ran out', () => {
    for (const code of ['57P01', '57P03', '57P05', '53300', '57014', '55P03', '25P03', '08006', '40P01', '25006']) {
      const fault = postgresFault(postgresError(code));
      assert.ok(isSesameError(fault, 'DATABASE_UNAVAILABLE'), code);
      assert.equal(fault.status, 503);
      assert.ok(fault.retryAfter! > 0);
    }
  });

  it('makes STORAGE_FULL of a full disk', () => {
    assert.ok(isSesameError(postgresFault(postgresError('53100')), 'STORAGE_FULL'));
  });

  it('makes DATABASE_UNAVAILABLE of a lost or refused connection, whatever pg calls it', () => {
    for (const error of [
      errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      errno('ECONNRESET', 'read ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new Error('Client has encountered a connection error and is not queryable'),
      new AggregateError([errno('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''),
    ]) {
      assert.ok(isSesameError(postgresFault(error), 'DATABASE_UNAVAILABLE'), error.message);
    }
  });

  it('leaves every other error as it is: a constraint, a syntax error, a wrong password, a bug', () => {
    for (const error of [
      postgresError('23505'),
      postgresError('42601'),
      postgresError('28P01'),
      new TypeError('x is undefined'),
    ]) {
      assert.equal(postgresFault(error), error);
    }
  });

  it("keeps the driver's error as the cause, in its own words", () => {
    const fault = postgresFault(new AggregateError([errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')], ''));
    assert.ok(isSesameError(fault));
    assert.equal(causeOf(fault), 'connect ECONNREFUSED 127.0.0.1:5432');
  });
});

describe('sqliteFault', () => {
  it('makes STORAGE_FULL of a full, read-only or unopenable file, DATABASE_UNAVAILABLE of a lock', () => {
    const error = (code: string) => new SqliteDatabase.SqliteError('from SQLite', code);
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM']) {
      assert.ok(isSesameError(sqliteFault(error(code)), 'STORAGE_FULL'), code);
    }
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']) {
      assert.ok(isSesameError(sqliteFault(error(code)), 'DATABASE_UNAVAILABLE'), code);
    }
    const constraint = error('SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteFault(constraint), constraint);
  });
});

describe('pauses', () => {
  it('waits for the database 1, 2, 4 s, then every 5 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 20].map(retryPauseMs), [1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });

  it('replaces a worker at once after a long run, then after 1, 2, 4 … at most 30 s for each further early death', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map(restartPauseMs), [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});
