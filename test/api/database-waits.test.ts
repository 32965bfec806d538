/**
 * Every wait on the database path is bounded, and the hot path does not
 * queue behind it, on both databases. Another client holds a lock on the
 * users (PostgreSQL: `SELECT … FROM users FOR UPDATE` in a transaction, as
 * an operator's psql would; SQLite: `BEGIN IMMEDIATE` on the file, as the
 * sqlite3 shell would) while 12 people sign in: a WebDAV GET by a client
 * whose credential was verified before is answered at once meanwhile, and
 * the sign-ins get 503 DATABASE_UNAVAILABLE with Retry-After when their
 * lock wait or their wait for a connection runs out (the limits are
 * shortened here so the test takes seconds). A request whose client went
 * away while its authentication waited is not run.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { DIALECTS, addUser, startServer, type TestServer } from '../helpers/server.js';
import { davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';
import { basic, request } from '../helpers/http.js';
import { send } from '../helpers/steady-load.js';
import type { DatabaseLimits } from '../../src/db/limits.js';

const LIMITS: DatabaseLimits = {
  acquireMs: 2_000,
  lockWaitMs: 6_000,
  statementMs: 8_000,
  idleInTransactionMs: 8_000,
  answerGraceMs: 2_000,
};
const SIGN_INS = 12;
const PASSWORD = 'correct horse battery';

/** A lock on every user row, held by another client of the database until `release`. */
interface HeldLock {
  release(): Promise<void>;
}

async function lockUsers(server: TestServer): Promise<HeldLock> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM users FOR UPDATE');
    return {
      async release() {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }
  const file = new SqliteDatabase(path.join(server.dataDir, 'sesame.db'));
  file.exec('BEGIN IMMEDIATE');
  return {
    async release() {
      file.exec('COMMIT');
      file.close();
    },
  };
}

/**
 * Until the sign-ins wait on the lock: on PostgreSQL, until most of them
 * hold a connection of the serving pool (10) waiting on it; on SQLite, a
 * second (there is no view of who waits).
 */
async function signInsWaiting(server: TestServer): Promise<void> {
  if (!server.databaseUrl) return void (await sleep(1_000));
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    for (const started = Date.now(); ; await sleep(50)) {
      const waiting = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (waiting.rows[0].n >= 8) return void (await sleep(500));
      assert.ok(Date.now() - started < 10_000, `only ${waiting.rows[0].n} sign-ins reached the lock`);
    }
  } finally {
    await client.end();
  }
}

function logCollector(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

for (const dialect of DIALECTS) {
  describe(`waits on the database are bounded (${dialect})`, () => {
    let server: TestServer;
    let alice: DavAccount;
    const log = logCollector();

    before(async () => {
      server = await startServer({ dialect, databaseLimits: LIMITS, logStream: log.stream });
      alice = await davAccount(server, 'alice');
      for (let i = 0; i < SIGN_INS; i++) await addUser(server, `user${i}`, PASSWORD);
      assert.equal((await rawRequest(server, alice, 'PUT', '/dav/notes.txt', { body: 'notes\n' })).status, 201);
      // Verified once: from now on the credential is reused after one read of the auth-state version.
      assert.equal((await rawRequest(server, alice, 'GET', '/dav/notes.txt')).status, 200);
    });
    after(() => server?.close());

    it('answers a verified WebDAV GET at once while 12 sign-ins wait for a lock held elsewhere, and gives the sign-ins 503 when their wait runs out', async () => {
      const lock = await lockUsers(server);
      let signIns: { status: number; code: string | undefined; retryAfter: unknown }[];
      try {
        const pending = Array.from({ length: SIGN_INS }, (_, i) =>
          request(server.url, '/api/v1/session', { method: 'POST', body: { username: `user${i}`, password: PASSWORD } }).then(
            (reply) => ({
              status: reply.status,
              code: reply.json?.error?.code as string | undefined,
              retryAfter: reply.headers['retry-after'],
            }),
          ),
        );
        await signInsWaiting(server);
        for (let i = 0; i < 5; i++) {
          const asked = Date.now();
          const reply = await send(
            { label: 'GET', url: server.url, path: '/dav/notes.txt', headers: basic('alice', alice.password) },
            5_000,
          );
          const ms = Date.now() - asked;
          assert.equal(reply.status, 200, `a verified GET while the sign-ins waited: ${reply.error ?? reply.body}`);
          assert.ok(ms < 1_000, `a verified GET took ${ms} ms while the sign-ins waited`);
          await sleep(300);
        }
        // Each waits for the lock from the moment its password hash is checked (a CPU queue): bounded, but not by 4 s.
        signIns = await Promise.race([
          Promise.all(pending),
          sleep(25_000).then(() => assert.fail('the sign-ins were still waiting 25 s after they started')),
        ]);
      } finally {
        await lock.release();
      }
      for (const signIn of signIns) {
        assert.equal(signIn.status, 503, JSON.stringify(signIns));
        assert.equal(signIn.code, 'DATABASE_UNAVAILABLE');
        assert.ok(Number(signIn.retryAfter) > 0, 'Retry-After');
      }
      assert.match(log.text(), dialect === 'postgres' ? /lock timeout/ : /database is locked/);
      const again = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'user0', password: PASSWORD },
      });
      assert.equal(again.status, 200, again.text);
    });

    if (dialect === 'postgres') {
      it('does not run a request whose client went away while its authentication waited', async () => {
        const bob = await davAccount(server, 'bob');
        const holder = new pg.Client({ connectionString: server.databaseUrl });
        await holder.connect();
        await holder.query('BEGIN');
        // Even plain reads of app passwords wait: bob's first request cannot be authenticated meanwhile.
        await holder.query('LOCK TABLE app_passwords IN ACCESS EXCLUSIVE MODE');
        try {
          const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
          await new Promise((resolve) => socket.once('connect', resolve));
          const credentials = Buffer.from(`bob:${bob.password}`).toString('base64');
          socket.write(`MKCOL /dav/abandoned/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${credentials}\r\n\r\n`);
          await sleep(300);
          socket.destroy();
          await sleep(300);
        } finally {
          await holder.query('COMMIT');
          await holder.end();
        }
        await sleep(500);
        const listing = await rawRequest(server, bob, 'PROPFIND', '/dav/abandoned/', { headers: { depth: '0' } });
        assert.equal(listing.status, 404, 'the folder the client gave up on was not created');
        assert.match(log.text(), /"statusCode":499.*the client went away before its request was handled/);
      });
    }
  });
}
