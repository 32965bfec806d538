/**
 * GET /metrics on each dialect: not served without METRICS_TOKEN; with it,
 * only to `Authorization: Bearer <token>` (anything else: 401 with a Bearer
 * challenge); the Prometheus text format with the requests answered by
 * surface, method and status, their durations, the bytes of a WebDAV upload
 * and download, every Basic-auth outcome under its reason, the memory of
 * verified credentials, app passwords by application and state, live
 * sessions, PostgreSQL's pools and the process's own metrics — and never a
 * username, a password's name or an address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, type HttpReply } from '../helpers/http.js';
import { createPassword, freshIp, userWithSession } from '../api/support.js';
import { sumOf, valueOf } from './metrics-text.js';

const TOKEN = 'metrics-7Hq2-Lx9_vR4.tW8~kP3+nB6/yC1-zD5';
const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`Prometheus metrics (${dialect})`, () => {
    let server: TestServer;
    const clock = new ManualClock();
    before(async () => {
      server = await startServer({ dialect, clock, env: { METRICS_TOKEN: TOKEN } });
    });
    after(async () => {
      await server?.close();
    });

    const scrape = async (): Promise<string> => {
      const reply = await request(server.url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      return reply.text;
    };

    it('is not served without METRICS_TOKEN', async () => {
      const plain = await startServer({ dialect: 'sqlite' });
      try {
        const reply = await request(plain.url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(reply.status, 404);
      } finally {
        await plain.close();
      }
    });

    it('answers only the right Bearer token; anything else is 401 with a Bearer challenge', async () => {
      for (const authorization of [
        undefined,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        'Bearer',
        basic('x', TOKEN).authorization,
      ]) {
        const reply: HttpReply = await request(server.url, '/metrics', authorization ? { headers: { authorization } } : {});
        assert.equal(reply.status, 401, String(authorization));
        assert.equal(reply.headers['www-authenticate'], 'Bearer realm="Sesame metrics"');
        assert.equal(reply.json.error.code, 'UNAUTHENTICATED');
      }
      assert.equal((await request(server.url, '/metrics', { headers: { authorization: `bearer  ${TOKEN}` } })).status, 200);
    });

    it('counts requests, bytes, Basic-auth outcomes by reason, reused credentials, app passwords and sessions — and names no one', async () => {
      const before = await scrape();
      const requestsBefore = (labels: Record<string, string>) => sumOf(before, 'sesame_http_requests_total', labels);
      const outcomeBefore = (outcome: string) => valueOf(before, 'sesame_basic_auth_attempts_total', { outcome }) ?? NaN;

      const { session: alice } = await userWithSession(server, 'alice');
      const { session: bob, id: bobId } = await userWithSession(server, 'bob');
      const { session: admin } = await userWithSession(server, 'root', 'admin');
      const drive = await createPassword(alice, { name: 'Mon WebDAV', application: 'webdav' });
      const sync = await createPassword(alice, { name: 'Portable sync', application: 'sync' });
      const brief = await createPassword(alice, { name: 'Bientôt expiré', application: 'webdav', expiresInDays: 1 });
      const gone = await createPassword(alice, { name: 'Supprimé', application: 'webdav' });
      const bobs = await createPassword(bob, { name: 'Bob drive', application: 'webdav' });
      await createPassword(bob, { name: 'Pas encore affecté' });
      const from = freshIp();
      const dav = (
        secret: string | null,
        path = '/dav/',
        init: { method?: string; body?: string; user?: string; ip?: string } = {},
      ) =>
        request(server.url, path, {
          method: init.method ?? 'PROPFIND',
          headers: { ...(secret === null ? {} : basic(init.user ?? 'alice', secret)), depth: '0', 'content-type': 'text/plain' },
          ...(init.body === undefined ? {} : { body: init.body }),
          from: init.ip ?? from,
        });

      // Three uses of one password from one address: looked up once, then reused twice.
      for (let i = 0; i < 3; i++) assert.equal((await dav(drive.secret)).status, 207);
      const body = 'x'.repeat(10_000);
      assert.equal((await dav(drive.secret, '/dav/ten-thousand.txt', { method: 'PUT', body })).status, 201);
      assert.equal((await dav(drive.secret, '/dav/ten-thousand.txt', { method: 'GET' })).text, body);
      // Refusals, each for its own reason.
      assert.equal((await dav(null)).status, 401, 'no credentials');
      assert.equal(
        (await request(server.url, '/dav/', { method: 'PROPFIND', headers: { authorization: 'Basic !!!' }, from })).status,
        401,
      );
      assert.equal((await dav('Not-the-secret-0000000!')).status, 401, 'not an app password');
      assert.equal((await dav(sync.secret)).status, 401, 'wrong application');
      assert.equal((await alice.call(`/api/v1/app-passwords/${gone.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await dav(gone.secret)).status, 401, 'revoked');
      assert.equal((await admin.call(`/api/v1/admin/users/${bobId}/disable`, { method: 'POST' })).status, 200);
      assert.equal((await dav(bobs.secret, '/dav/', { user: 'bob', ip: freshIp() })).status, 401, 'account disabled');
      clock.advance(2 * DAY_MS);
      assert.equal((await dav(brief.secret, '/dav/', { ip: freshIp() })).status, 401, 'expired');
      // An address that keeps failing is throttled.
      const attacker = freshIp();
      let throttled = 0;
      for (let i = 0; i < 30 && throttled === 0; i++) {
        if ((await dav(`guess-${i}`, '/dav/', { ip: attacker })).status === 429) throttled += 1;
      }
      assert.equal(throttled, 1);
      const wrongGuesses = 30;

      const text = await scrape();
      const added = (labels: Record<string, string>) =>
        sumOf(text, 'sesame_http_requests_total', labels) - requestsBefore(labels);
      assert.equal(added({ surface: 'webdav', method: 'PROPFIND', status: '207' }), 3);
      assert.equal(added({ surface: 'webdav', method: 'PUT', status: '201' }), 1);
      assert.equal(added({ surface: 'webdav', method: 'GET', status: '200' }), 1);
      assert.equal(added({ surface: 'webdav', method: 'PROPFIND', status: '429' }), 1);
      assert.equal(added({ surface: 'api', method: 'POST', status: '201' }), 6, 'the six app passwords created');
      assert.ok(added({ surface: 'webdav', method: 'PROPFIND', status: '401' }) >= 7);
      assert.equal(
        sumOf(text, 'sesame_http_request_duration_seconds_count', { surface: 'webdav', method: 'PUT' }),
        1,
        'one duration observed for the PUT',
      );
      const bytesIn = valueOf(text, 'sesame_http_bytes_total', { surface: 'webdav', direction: 'in' })!;
      const bytesOut = valueOf(text, 'sesame_http_bytes_total', { surface: 'webdav', direction: 'out' })!;
      assert.ok(bytesIn > 10_000 && bytesIn < 40_000, `bytes in ${bytesIn}`);
      assert.ok(bytesOut > 10_000 && bytesOut < 40_000, `bytes out ${bytesOut}`);

      const outcome = (name: string) =>
        (valueOf(text, 'sesame_basic_auth_attempts_total', { outcome: name }) ?? NaN) - outcomeBefore(name);
      assert.equal(outcome('success'), 5);
      assert.equal(outcome('no-credentials'), 1);
      assert.equal(outcome('malformed'), 1);
      assert.equal(outcome('wrong-application'), 1);
      assert.equal(outcome('revoked'), 1);
      assert.equal(outcome('account-disabled'), 1);
      assert.equal(outcome('expired'), 1);
      assert.equal(outcome('throttled'), 1);
      const wrongSecret = outcome('not-an-app-password');
      assert.ok(wrongSecret >= 2 && wrongSecret <= 1 + wrongGuesses, `wrong secrets counted: ${wrongSecret}`);
      assert.equal(outcome('unavailable'), 0);
      assert.equal(outcome('error'), 0);

      const reuse = (result: string) => valueOf(text, 'sesame_verified_credentials_total', { result })!;
      assert.equal(reuse('hit'), 4, 'two PROPFINDs, the PUT and the GET reused the credential');
      assert.ok(reuse('miss') >= 1);

      const passwords = (application: string, state: string) =>
        valueOf(text, 'sesame_app_passwords', { application, state }) ?? 0;
      assert.equal(passwords('webdav', 'active'), 2, "alice's drive, bob's drive");
      assert.equal(passwords('webdav', 'expired'), 1);
      assert.equal(passwords('webdav', 'revoked'), 1);
      assert.equal(passwords('sync', 'active'), 1);
      assert.equal(passwords('none', 'active'), 1);
      assert.equal(valueOf(text, 'sesame_sessions'), 2, "alice's and the administrator's (bob's ended when he was disabled)");

      if (dialect === 'postgres') {
        assert.ok(valueOf(text, 'sesame_database_connections', { pool: 'reader', state: 'open' })! >= 1);
        assert.ok(valueOf(text, 'sesame_database_connections', { pool: 'serving', state: 'open' })! >= 1);
        // The scrape's own counts may be waiting for a connection being opened at that moment.
        assert.ok(valueOf(text, 'sesame_database_connections', { pool: 'serving', state: 'waiting' })! >= 0);
      } else {
        assert.equal(valueOf(text, 'sesame_database_connections', { pool: 'serving', state: 'open' }), undefined);
      }
      assert.ok(valueOf(text, 'nodejs_eventloop_lag_seconds') !== undefined, 'event-loop lag');
      assert.equal(valueOf(text, 'sesame_sso_rechecks_total', { outcome: 'confirmed' }), 0);

      for (const named of ['alice', 'bob', 'root', 'Mon WebDAV', 'Portable', 'ten-thousand', '127.', drive.secret, TOKEN]) {
        assert.ok(!text.includes(named), `the metrics name "${named}"`);
      }
    });
  });
}
