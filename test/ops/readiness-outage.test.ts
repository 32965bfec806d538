/**
 * /readyz follows PostgreSQL: a node on a throwaway cluster of this file's
 * own (never the runner's shared one) answers 200; when the cluster stops,
 * 503 naming the database within the probe's deadline, while /healthz stays
 * 200 (the process is alive: a service manager must not restart it); when
 * the cluster starts again, 200 without a restart of the node.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../helpers/pg-cluster.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { PROBE_DEADLINE_MS } from '../../src/ops/readiness.js';

describe('/readyz while PostgreSQL stops and starts again', () => {
  let cluster: PostgresCluster;
  let server: TestServer;

  before(async () => {
    cluster = await startPostgresCluster();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    const name = `sesame_ready_${crypto.randomBytes(4).toString('hex')}`;
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(cluster.url);
    url.pathname = `/${name}`;
    server = await startServer({ dialect: 'postgres', databaseUrl: url.toString() });
  });
  after(async () => {
    await server?.close();
    await cluster?.stop();
  });

  /** Polls /readyz until it answers `status`; returns the answer and how long it took. */
  async function until(status: number, withinMs: number) {
    const started = Date.now();
    for (;;) {
      const asked = performance.now();
      const reply = await request(server.url, '/readyz');
      const answeredMs = performance.now() - asked;
      if (reply.status === status) return { reply, answeredMs, afterMs: Date.now() - started };
      assert.ok(Date.now() - started < withinMs, `/readyz still ${reply.status} after ${withinMs} ms: ${reply.text}`);
      await sleep(100);
    }
  }

  it('is 200, then 503 naming the database while it is stopped (the process still healthy), then 200 again', async () => {
    assert.equal((await request(server.url, '/readyz')).status, 200);
    await cluster.halt('fast');
    try {
      const down = await until(503, 5_000);
      assert.deepEqual(down.reply.json, { status: 'unavailable', checks: { database: 'unavailable', 'file storage': 'ok' } });
      assert.ok(down.answeredMs < PROBE_DEADLINE_MS + 500, `answered in ${down.answeredMs.toFixed(0)} ms`);
      for (let i = 0; i < 3; i++) {
        const again = await request(server.url, '/readyz');
        assert.equal(again.status, 503, 'still down while the database is');
        assert.equal((await request(server.url, '/healthz')).status, 200, 'the process answers');
      }
    } finally {
      await cluster.start();
    }
    const up = await until(200, 15_000);
    assert.deepEqual(up.reply.json, { status: 'ready', checks: { database: 'ok', 'file storage': 'ok' } });
    assert.equal((await request(server.url, '/api/v1/applications')).status, 401, 'the node serves again (an answer, not a 503)');
  });
});
