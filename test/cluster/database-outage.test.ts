/**
 * Losing PostgreSQL — one connection, every connection, the whole server —
 * never ends a Sésame process. Two nodes (the built CLI, WORKERS=2 and
 * WORKERS=1) share one database on a throwaway cluster of this file's own,
 * which it terminates, times out and stops under a steady load: no process
 * dies, no client is refused with 401 or left without an answer, requests
 * that need the database meanwhile get 503 DATABASE_UNAVAILABLE with
 * Retry-After in their surface's format (JSON for /api/v1, XML for /dav/),
 * and every node serves again by itself once the database is back. A node
 * started while the database is down waits for it; the primary of a node
 * with workers outlives a worker that dies and replaces it, pausing longer
 * after each early death.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../helpers/pg-cluster.js';
import { startNode, type ServedNode } from '../helpers/served-node.js';
import { send, SteadyLoad, tally, type Call, type Outcome } from '../helpers/steady-load.js';
import { basic, signIn } from '../helpers/http.js';

const DATABASE = 'sesame_outage';

describe('PostgreSQL lost under two nodes (WORKERS=2 and WORKERS=1)', () => {
  let cluster: PostgresCluster;
  let databaseUrl: string;
  const key = crypto.randomBytes(32).toString('hex');
  let multi: ServedNode;
  let single: ServedNode;
  let workersAtStart: number[];
  let auth: Record<string, string>;
  const extra: ServedNode[] = [];

  async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Terminates Sésame's backends (`idle` ones only, or all); returns how many. */
  function terminate(which: 'one idle' | 'all'): Promise<number> {
    const only = which === 'one idle' ? `AND state = 'idle' LIMIT 1` : '';
    return admin(async (client) => {
      const result = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ${only}`,
        [DATABASE],
      );
      return result.rowCount ?? 0;
    });
  }

  function callsOf(node: ServedNode, name: string): Call[] {
    return [
      { label: `${name} GET /dav`, url: node.url, path: '/dav/load.txt', headers: auth },
      { label: `${name} PROPFIND /dav`, url: node.url, path: '/dav/', method: 'PROPFIND', headers: { ...auth, depth: '1' } },
      { label: `${name} GET /api`, url: node.url, path: '/api/v1/me', headers: auth },
    ];
  }
  const allCalls = () => [...callsOf(multi, 'workers=2'), ...callsOf(single, 'workers=1')];

  const served = (o: Outcome) => o.status === 200 || o.status === 207;

  /** Served, or 503 DATABASE_UNAVAILABLE with Retry-After in the surface's own format: never 401, 500 or no answer. */
  function assertServedOrUnavailable(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      if (served(o)) continue;
      assert.equal(o.status, 503, `${o.label}: ${o.status} ${o.error ?? o.body}\n(all: ${tally(outcomes)})`);
      assert.ok(Number(o.retryAfter) > 0, `${o.label}: 503 without Retry-After`);
      if (o.label.includes('/api')) assert.equal(o.code, 'DATABASE_UNAVAILABLE', o.body);
      else {
        assert.match(o.contentType ?? '', /application\/xml/, o.label);
        assert.match(o.body, /<D:error[^>]*>.*unreachable or too busy/s, o.body);
      }
    }
  }

  async function assertAllServed(label: string): Promise<void> {
    const outcomes = await Promise.all(allCalls().map((call) => send(call)));
    assert.ok(outcomes.every(served), `${label}: ${tally(outcomes)}`);
  }

  /** Until every call is served, at most `withinMs`; returns how long it took. */
  async function untilAllServed(withinMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const outcomes = await Promise.all(allCalls().map((call) => send(call)));
      if (outcomes.every(served)) return Date.now() - started;
      assert.ok(Date.now() - started < withinMs, `not served again within ${withinMs} ms: ${tally(outcomes)}`);
      await sleep(250);
    }
  }

  function assertAlive(): void {
    assert.equal(multi.exited(), false, `the WORKERS=2 primary exited:\n${multi.output()}`);
    assert.equal(single.exited(), false, `the WORKERS=1 node exited:\n${single.output()}`);
    assert.deepEqual(multi.workerPids(), workersAtStart, `a worker died:\n${multi.output()}`);
    assert.doesNotMatch(multi.output(), /exited \(/, 'a worker died');
  }

  before(async () => {
    cluster = await startPostgresCluster();
    await admin((client) => client.query(`CREATE DATABASE ${DATABASE}`));
    const url = new URL(cluster.url);
    url.pathname = `/${DATABASE}`;
    databaseUrl = url.toString();
    const env = { DATABASE_URL: databaseUrl, SESAME_SECRET_KEY: key };
    multi = await startNode({ env: { ...env, WORKERS: '2' }, ready: /password\n\n\s+(\S+)/ });
    single = await startNode({ env: { ...env, WORKERS: '1' } });
    workersAtStart = multi.workerPids().sort();
    assert.equal(workersAtStart.length, 2);
    const password = /password\n\n\s+(\S+)/.exec(multi.output())![1]!;
    const session = await signIn(multi.url, 'admin', password);
    const created = await session.call('/api/v1/app-passwords', {
      method: 'POST',
      body: { name: 'drive', application: 'webdav' },
    });
    assert.equal(created.status, 201, created.text);
    auth = basic('admin', created.json.password);
    for (const node of [multi, single]) {
      const put = await send({
        label: 'PUT',
        url: node.url,
        path: '/dav/load.txt',
        method: 'PUT',
        headers: auth,
        body: 'load\n',
      });
      assert.equal(put.status, 201, put.body);
    }
    await assertAllServed('at start');
  });

  after(async () => {
    for (const node of [...extra, single, multi]) await node?.stop();
    await cluster?.stop();
  });

  it('survives the termination of one idle pooled connection, and the next requests are all served', async () => {
    await assertAllServed('before');
    await sleep(300);
    assert.equal(await terminate('one idle'), 1);
    await sleep(300);
    await assertAllServed('after one connection was terminated');
    assertAlive();
  });

  it('serves on, under load, through the termination of every connection: 503 at worst, then served', async () => {
    const load = new SteadyLoad(allCalls(), { concurrency: 6, pauseMs: 10, maxMs: 20_000 }).start();
    await sleep(1_000);
    assert.ok((await terminate('all')) > 0);
    await sleep(300);
    await terminate('all');
    await sleep(1_500);
    const recovered = Date.now();
    await sleep(1_500);
    const outcomes = await load.stop();
    assertServedOrUnavailable(outcomes);
    const afterwards = outcomes.filter((o) => o.at >= recovered);
    assert.ok(afterwards.length > 10 && afterwards.every(served), `after the terminations: ${tally(afterwards)}`);
    assertAlive();
  });

  it('replaces the connections PostgreSQL ends after idle_session_timeout', async () => {
    await admin((client) => client.query(`ALTER DATABASE ${DATABASE} SET idle_session_timeout = '1s'`));
    try {
      await terminate('all');
      await sleep(200);
      await untilAllServed(5_000);
      // Every pooled connection is now ended by the server after a second of quiet.
      await sleep(2_500);
      await assertAllServed('after the idle sessions were ended');
      await sleep(2_500);
      await assertAllServed('after they were ended again');
    } finally {
      await admin((client) => client.query(`ALTER DATABASE ${DATABASE} RESET idle_session_timeout`));
      await terminate('all');
    }
    assertAlive();
  });

  it("answers 503 DATABASE_UNAVAILABLE in each surface's format while PostgreSQL is stopped, and serves again once it is back", async () => {
    const load = new SteadyLoad(allCalls(), { concurrency: 6, pauseMs: 20, maxMs: 30_000 }).start();
    await sleep(800);
    await cluster.halt('fast');
    const down = Date.now();
    await sleep(2_500);
    await cluster.start();
    const up = Date.now();
    const tookMs = await untilAllServed(15_000);
    const outcomes = await load.stop();
    assertServedOrUnavailable(outcomes);
    const duringOutage = outcomes.filter((o) => o.at >= down + 500 && o.at < up);
    assert.ok(duringOutage.length > 10, tally(duringOutage));
    for (const label of new Set(allCalls().map((c) => c.label))) {
      assert.ok(
        duringOutage.some((o) => o.label === label && o.status === 503),
        `${label} answered no 503 while the database was down: ${tally(duringOutage)}`,
      );
    }
    assert.ok(tookMs < 15_000);
    assertAlive();
  });

  it('starts a node while PostgreSQL is down: it waits, says so, and serves once it is back; SIGTERM while waiting stops it cleanly', async () => {
    await cluster.halt('fast');
    const env = { DATABASE_URL: databaseUrl, SESAME_SECRET_KEY: key };
    const waiting = await startNode({
      env: { ...env, WORKERS: '1' },
      ready: /waiting for the database \(.*ECONNREFUSED.*\); trying again/,
    });
    extra.push(waiting);
    const stoppedWhileWaiting = await startNode({ env: { ...env, WORKERS: '2' }, ready: /waiting for the database/ });
    const stoppedAt = Date.now();
    assert.equal(await stoppedWhileWaiting.stop(), 0, stoppedWhileWaiting.output());
    assert.ok(Date.now() - stoppedAt < 5_000, 'SIGTERM while waiting for the database stops the node at once');
    await cluster.start();
    await waiting.waitFor(/Sésame is listening on/, 20_000);
    const reply = await send({ label: 'me', url: waiting.url, path: '/api/v1/me', headers: auth });
    assert.equal(reply.status, 200, reply.body);
    await untilAllServed(15_000);
    assertAlive();
  });

  it('keeps the primary when a worker dies, replaces the worker, and pauses longer after each early death', async () => {
    const pauses: number[] = [];
    // The first victim may have served long enough to be replaced at once; the next two are the
    // replacements themselves, each killed as soon as it appears: early deaths, each paused longer.
    let victim = multi.workerPids()[0]!;
    for (let death = 1; death <= 3; death++) {
      const before = multi.workerPids();
      assert.equal(before.length, 2);
      process.kill(victim, 'SIGKILL');
      const said = await multi.waitFor(
        new RegExp(`process ${victim} exited \\(SIGKILL\\); starting another(?: in (\\d+) s)?`),
        10_000,
      );
      pauses.push(Number(said[1] ?? 0));
      const started = Date.now();
      for (;;) {
        const replacement = multi.workerPids().find((pid) => !before.includes(pid));
        if (replacement !== undefined) {
          victim = replacement;
          break;
        }
        assert.ok(Date.now() - started < 40_000, 'no new worker');
        await sleep(100);
      }
      assert.equal(multi.exited(), false, 'the primary outlived its worker');
    }
    assert.ok(pauses[1]! > pauses[0]! && pauses[2]! > pauses[1]!, `pauses grow: ${pauses.join(', ')} s`);
    workersAtStart = multi.workerPids().sort();
    await untilAllServed(15_000);
  });
});
