/**
 * PostgreSQL that cannot take another connection, or that stops answering
 * on connections it has, is a 503 with Retry-After, never a 500 or a
 * request left hanging. A throwaway cluster of this file's own with few
 * connections (`max_connections`): other clients take every one of them
 * (item: out of connections), then the server's own backends are stopped
 * with SIGSTOP, which looks to Sésame like a network that drops packets:
 * nothing closes, nothing answers. The limits are shortened here so the
 * test takes seconds.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../helpers/pg-cluster.js';
import { addUser, startServer, type TestServer } from '../helpers/server.js';
import { davAccount, type DavAccount } from '../helpers/dav.js';
import { basic } from '../helpers/http.js';
import { send, type Outcome } from '../helpers/steady-load.js';
import type { DatabaseLimits } from '../../src/db/limits.js';

const LIMITS: DatabaseLimits = {
  acquireMs: 2_000,
  lockWaitMs: 2_000,
  statementMs: 1_500,
  idleInTransactionMs: 5_000,
  answerGraceMs: 1_000,
};
const PASSWORD = 'correct horse battery';

describe('PostgreSQL out of connections, or silent', () => {
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let server: TestServer;
  let alice: DavAccount;
  let log = '';

  async function backendsOfServer(): Promise<number[]> {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const found = await client.query(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = $2',
        [new URL(databaseUrl).pathname.slice(1), 'client backend'],
      );
      return found.rows.map((row) => row.pid as number);
    } finally {
      await client.end();
    }
  }

  const davGet = () =>
    send({ label: 'GET /dav', url: server.url, path: '/dav/notes.txt', headers: basic('alice', alice.password) }, 15_000);
  const signIn = () =>
    send(
      {
        label: 'POST /session',
        url: server.url,
        path: '/api/v1/session',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'carol', password: PASSWORD }),
      },
      15_000,
    );

  function assertUnavailable(outcome: Outcome): void {
    assert.equal(outcome.status, 503, `${outcome.label}: ${outcome.status} ${outcome.error ?? outcome.body}`);
    assert.ok(Number(outcome.retryAfter) > 0, `${outcome.label}: Retry-After`);
    if (outcome.label.startsWith('POST')) assert.equal(outcome.code, 'DATABASE_UNAVAILABLE');
    else assert.match(outcome.contentType ?? '', /application\/xml/);
  }

  before(async () => {
    cluster = await startPostgresCluster({ settings: ['max_connections=12', 'superuser_reserved_connections=0'] });
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    const name = `sesame_${crypto.randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    server = await startServer({ dialect: 'postgres', databaseUrl, databaseLimits: LIMITS, logStream });
    alice = await davAccount(server, 'alice');
    await addUser(server, 'carol', PASSWORD);
    const put = await send({
      label: 'PUT',
      url: server.url,
      path: '/dav/notes.txt',
      method: 'PUT',
      headers: basic('alice', alice.password),
      body: 'notes\n',
    });
    assert.equal(put.status, 201, put.body);
  });
  after(async () => {
    await server?.close();
    await cluster?.stop();
  });

  it('answers 503 with Retry-After, and logs the real cause, while other clients hold every connection; serves again once they let go', async () => {
    // The server's connections go; then other clients take every connection there is.
    const terminator = new pg.Client({ connectionString: cluster.url });
    await terminator.connect();
    await terminator.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      new URL(databaseUrl).pathname.slice(1),
    ]);
    const hogs: pg.Client[] = [terminator];
    try {
      for (;;) {
        const hog = new pg.Client({ connectionString: cluster.url });
        try {
          await hog.connect();
        } catch (error) {
          assert.match(String(error), /too many clients/);
          break;
        }
        hogs.push(hog);
        assert.ok(hogs.length <= 12, 'max_connections is 12');
      }
      const during = [await davGet(), await signIn(), await davGet()];
      during.forEach(assertUnavailable);
      assert.match(log, /sorry, too many clients already/);
    } finally {
      await Promise.all(hogs.map((hog) => hog.end()));
    }
    assert.equal((await davGet()).status, 200);
    assert.equal((await signIn()).status, 200);
  });

  it('answers 503 once its statement deadline runs out when the server stops answering on open connections (a partition), then serves again on new ones', async () => {
    assert.equal((await davGet()).status, 200);
    const silent = await backendsOfServer();
    assert.ok(silent.length > 0);
    for (const pid of silent) process.kill(pid, 'SIGSTOP');
    let outcomes: Outcome[];
    const started = Date.now();
    try {
      // Both need a read: the verified credential its auth-state version, the sign-in its throttle counters.
      outcomes = [await davGet(), await signIn()];
    } finally {
      for (const pid of silent) process.kill(pid, 'SIGCONT');
    }
    const tookMs = Date.now() - started;
    for (const outcome of outcomes) {
      assert.ok(
        outcome.status === 503 || outcome.status === 200,
        `${outcome.label}: ${outcome.status} ${outcome.error ?? outcome.body}`,
      );
      if (outcome.status === 503) assertUnavailable(outcome);
    }
    assert.ok(
      outcomes.some((o) => o.status === 503),
      'a silent connection was met',
    );
    assert.ok(tookMs < 2 * (LIMITS.statementMs + LIMITS.answerGraceMs) + 3_000, `answered after ${tookMs} ms`);
    assert.match(log, /Query read timeout/);
    await sleep(200);
    assert.equal((await davGet()).status, 200);
    assert.equal((await signIn()).status, 200);
  });
});
