/**
 * GET /healthz and GET /readyz on each dialect: 200 quickly while every
 * part answers; /readyz 503 naming the part that failed (the file storage
 * taken away, the database missing a migration) and 200 again once it is
 * back, without a restart; public (no cookie, no credentials), saying no
 * more than the parts' names; never throttled (an address blocked for its
 * failed sign-ins still gets them), never in anyone's connections, and
 * logged at debug only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DIALECTS, addUser, startServer, type TestServer } from '../helpers/server.js';
import { basic, request } from '../helpers/http.js';
import { countRows, freshIp } from '../api/support.js';

/** A server logging at `level` into a string. */
async function loggingServer(dialect: (typeof DIALECTS)[number], level: string): Promise<{ server: TestServer; log(): string }> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const server = await startServer({ dialect, logStream: stream, env: { LOG_LEVEL: level } });
  return { server, log: () => text };
}

/** The median of `n` timings of GET `path`, ms. */
async function medianMs(url: string, path: string, n = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const reply = await request(url, path);
    times.push(performance.now() - started);
    assert.equal(reply.status, 200, reply.text);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

for (const dialect of DIALECTS) {
  describe(`health and readiness (${dialect})`, () => {
    let server: TestServer;
    let log: () => string;
    before(async () => {
      ({ server, log } = await loggingServer(dialect, 'info'));
      await addUser(server, 'alice');
    });
    after(async () => {
      await server?.close();
    });

    it('answers /healthz and /readyz with 200 in well under 100 ms, naming each part, with no cookie and no cache', async () => {
      const health = await request(server.url, '/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(health.json, { status: 'ok' });
      const ready = await request(server.url, '/readyz');
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.json, { status: 'ready', checks: { database: 'ok', 'file storage': 'ok' } });
      for (const reply of [health, ready]) {
        assert.equal(reply.headers['set-cookie'], undefined);
        assert.equal(reply.headers['cache-control'], 'no-store');
      }
      assert.equal((await request(server.url, '/readyz', { method: 'HEAD' })).status, 200);
      const readyMs = await medianMs(server.url, '/readyz');
      const healthMs = await medianMs(server.url, '/healthz');
      assert.ok(readyMs < 50 && healthMs < 50, `median /readyz ${readyMs.toFixed(1)} ms, /healthz ${healthMs.toFixed(1)} ms`);
    });

    it('answers an address that failed sign-ins until it was throttled, and records none of its checks anywhere', async () => {
      const from = freshIp();
      let throttled = false;
      for (let i = 0; i < 30 && !throttled; i++) {
        const refused = await request(server.url, '/api/v1/me', { headers: basic('alice', `wrong-${i}`), from });
        throttled = refused.status === 429;
      }
      assert.ok(throttled, 'the address was throttled');
      const connections = await countRows(server, 'connections');
      const throttle = await countRows(server, 'throttle');
      for (let i = 0; i < 20; i++) {
        for (const path of ['/healthz', '/readyz']) assert.equal((await request(server.url, path, { from })).status, 200);
      }
      assert.equal(await countRows(server, 'connections'), connections, 'no connection recorded');
      assert.equal(await countRows(server, 'throttle'), throttle, 'no throttle counter touched');
    });

    it('logs health checks at debug only: none at info, one line each at debug', async () => {
      await request(server.url, '/healthz');
      await request(server.url, '/readyz');
      await request(server.url, '/api/v1/applications');
      await sleep(100);
      assert.match(log(), /"path":"\/api\/v1\/applications"/, 'other requests are logged at info');
      assert.doesNotMatch(log(), /"path":"\/(healthz|readyz)"/);
      const debug = await loggingServer(dialect, 'debug');
      try {
        await request(debug.server.url, '/healthz');
        await request(debug.server.url, '/readyz');
        await sleep(100);
        const lines = debug
          .log()
          .split('\n')
          .filter((line) => /"path":"\/(healthz|readyz)"/.test(line));
        assert.equal(lines.length, 2, debug.log());
        assert.ok(lines.every((line) => JSON.parse(line).level === 20 && JSON.parse(line).surface === 'ops'));
      } finally {
        await debug.server.close();
      }
    });

    it('turns 503 naming the file storage when its directory is gone, and 200 again once it is back, without a restart', async () => {
      const files = path.join(server.dataDir, 'files');
      const away = `${files}.away`;
      fs.renameSync(files, away);
      try {
        const down = await request(server.url, '/readyz');
        assert.equal(down.status, 503, down.text);
        assert.deepEqual(down.json, { status: 'unavailable', checks: { database: 'ok', 'file storage': 'unavailable' } });
        assert.equal((await request(server.url, '/healthz')).status, 200, 'the process still answers');
      } finally {
        fs.renameSync(away, files);
      }
      assert.equal((await request(server.url, '/readyz')).status, 200);
      await sleep(100);
      assert.match(log(), /"msg":"readiness: the file storage is unavailable"/);
      assert.match(log(), /"msg":"readiness: the file storage answers again"/);
      assert.doesNotMatch(log(), /readiness: the database/);
    });

    it('turns 503 "not migrated" while the database lacks a migration this server needs', async () => {
      const db = server.server.services.db;
      const { rows } = await sql<{
        name: string;
        timestamp: string;
      }>`SELECT name, timestamp FROM kysely_migration ORDER BY name DESC`.execute(db);
      const last = rows[0]!;
      await sql`DELETE FROM kysely_migration WHERE name = ${last.name}`.execute(db);
      try {
        const down = await request(server.url, '/readyz');
        assert.equal(down.status, 503, down.text);
        assert.equal(down.json.checks.database, 'not migrated');
        assert.doesNotMatch(down.text, new RegExp(last.name), 'the migration is not named to the public');
      } finally {
        await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${last.name}, ${last.timestamp})`.execute(db);
      }
      assert.equal((await request(server.url, '/readyz')).status, 200);
    });
  });
}
