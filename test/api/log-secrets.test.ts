/**
 * No secret ever reaches the logs: a real server on each
 * dialect logs into a collecting stream through a full scenario — sign-in,
 * app passwords created, used over Basic, refused (wrong secret, wrong
 * application, secret in a query string), renamed, assigned, deleted,
 * revoked by an admin, primary password changed — and the captured log,
 * which must show the requests, holds none of the secrets, Authorization
 * values, session cookies, CSRF tokens, primary passwords or the server key.
 */
import { Writable } from 'node:stream';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, addUser, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply } from '../helpers/http.js';

const ALICE_PRIMARY = 'Alice-Primary#Passphrase!1';
const ALICE_NEW_PRIMARY = 'Alice-New%Primary&Passphrase?2';
const ADMIN_PRIMARY = 'Root-Primary:Passphrase/3';

for (const dialect of DIALECTS) {
  describe(`log output of a full scenario (${dialect})`, () => {
    let server: TestServer;
    let closed = false;
    let log = '';
    /** Every value that must never be logged, with a label for the failure message. */
    const forbidden = new Map<string, string>();
    const logStream = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });

    function keep(label: string, value: string): void {
      forbidden.set(value, label);
    }

    function basicAuth(username: string, password: string): Record<string, string> {
      const header = basic(username, password);
      keep(`Authorization header of ${username}`, header.authorization!);
      keep(`base64 credentials of ${username}`, header.authorization!.slice('Basic '.length));
      return header;
    }

    before(async () => {
      server = await startServer({ dialect, logStream });
      keep('server key', server.secretKeyHex);
      keep('alice primary password', ALICE_PRIMARY);
      keep('alice new primary password', ALICE_NEW_PRIMARY);
      keep('admin primary password', ADMIN_PRIMARY);
      await addUser(server, 'alice', ALICE_PRIMARY);
      await addUser(server, 'root', ADMIN_PRIMARY, 'admin');

      // A failed sign-in with a near miss of the real password.
      const nearMiss = 'Alice-Primary#Passphrase!2';
      keep('near-miss password', nearMiss);
      const refused = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'alice', password: nearMiss },
      });
      assert.equal(refused.status, 401);

      const alice = await signIn(server.url, 'alice', ALICE_PRIMARY);
      keep('alice session cookie', alice.cookie.split('=')[1]!);
      keep('alice CSRF token', alice.csrf);

      const secrets: Record<string, { id: string; secret: string }> = {};
      for (const [name, application] of [
        ['Mon WebDAV', 'webdav'],
        ['Sync « bureau »', 'sync'],
        ['Outlook', null],
        ['Spare', null],
      ] as const) {
        const created = await alice.call('/api/v1/app-passwords', {
          method: 'POST',
          body: application === null ? { name } : { name, application },
        });
        assert.equal(created.status, 201, created.text);
        secrets[name] = { id: created.json.appPassword.id, secret: created.json.password };
        keep(`app password "${name}"`, created.json.password);
        keep(`app password "${name}", URL-encoded`, encodeURIComponent(created.json.password));
      }
      const webdav = secrets['Mon WebDAV']!;
      const sync = secrets['Sync « bureau »']!;
      const outlook = secrets.Outlook!;
      const spare = secrets.Spare!;
      const expect = (reply: HttpReply, status: number) => assert.equal(reply.status, status, reply.text);

      // Uses over Basic: forward-auth, GET /me, first-use binding.
      expect(await request(server.url, '/api/v1/forward-auth/webdav', { headers: basicAuth('alice', webdav.secret) }), 204);
      expect(await request(server.url, '/api/v1/me', { headers: basicAuth('alice', sync.secret) }), 200);
      expect(await request(server.url, '/api/v1/forward-auth/outlook', { headers: basicAuth('alice', outlook.secret) }), 204);
      // Failures: wrong application, wrong secret, unknown user, malformed header.
      expect(await request(server.url, '/api/v1/forward-auth/sync', { headers: basicAuth('alice', webdav.secret) }), 401);
      expect(await request(server.url, '/api/v1/me', { headers: basicAuth('alice', 'Not-the-secret-0000000!') }), 401);
      expect(await request(server.url, '/api/v1/me', { headers: basicAuth('nobody', spare.secret) }), 401);
      const noColon = `Basic ${Buffer.from(`alice${spare.secret}`).toString('base64')}`;
      keep('malformed Authorization header', noColon);
      expect(await request(server.url, '/api/v1/me', { headers: { authorization: noColon } }), 401);
      // A secret in a query string is refused (and must not be logged either).
      const inQuery = await request(server.url, `/api/v1/me?password=${encodeURIComponent(spare.secret)}`);
      expect(inQuery, 400);
      assert.equal(inQuery.json.error.code, 'CREDENTIALS_IN_QUERY');
      expect(
        await request(server.url, `/api/v1/forward-auth/webdav?user=alice&password=${encodeURIComponent(webdav.secret)}`, {
          headers: basicAuth('alice', webdav.secret),
        }),
        400,
      );

      // Rename, assign, delete, admin revoke.
      expect(
        await alice.call(`/api/v1/app-passwords/${spare.id}`, {
          method: 'PATCH',
          body: { name: 'Spare renamed', application: 'webdav' },
        }),
        200,
      );
      expect(await alice.call(`/api/v1/app-passwords/${sync.id}`, { method: 'DELETE' }), 204);
      const admin = await signIn(server.url, 'root', ADMIN_PRIMARY);
      keep('admin session cookie', admin.cookie.split('=')[1]!);
      keep('admin CSRF token', admin.csrf);
      expect(await admin.call(`/api/v1/admin/app-passwords/${outlook.id}`, { method: 'DELETE' }), 204);
      expect(await admin.call('/api/v1/admin/audit'), 200);
      expect(await alice.call('/api/v1/connections'), 200);

      // Password change, then the revoked passwords are refused.
      expect(
        await alice.call('/api/v1/me/password', {
          method: 'PUT',
          body: { currentPassword: ALICE_PRIMARY, newPassword: ALICE_NEW_PRIMARY },
        }),
        200,
      );
      expect(await request(server.url, '/api/v1/forward-auth/webdav', { headers: basicAuth('alice', webdav.secret) }), 401);
      expect(await alice.call('/api/v1/session', { method: 'DELETE' }), 204);

      await server.close();
      closed = true;
    });
    after(async () => {
      if (!closed) await server?.close();
    });

    it('logged the requests of the scenario', () => {
      assert.ok(log.length > 0, 'the log is not empty');
      const requests = log.split('\n').filter((line) => line.includes('"msg":"request"')).length;
      assert.ok(requests >= 20, `one line per request of the scenario (${requests})`);
      assert.match(log, /\/api\/v1\/forward-auth\/webdav/);
      assert.match(log, /\/api\/v1\/me/);
    });

    it('holds no secret, Authorization value, session cookie, CSRF token, primary password or key', () => {
      assert.ok(forbidden.size >= 20, `the scenario produced the values to look for (${forbidden.size})`);
      const found = [...forbidden].filter(([value]) => log.includes(value)).map(([, label]) => label);
      assert.deepEqual(found, [], `found in the log: ${found.join(', ')}`);
    });
  });
}
