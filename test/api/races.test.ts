/**
 * Concurrent changes on one account, on SQLite and PostgreSQL: a password
 * change, a disabling or a revocation shuts out whoever raced it (the racing
 * sign-ins check a password hashed at production cost, so that they take as
 * long as in production); audit
 * pages lose nothing; the audit actor is the account, never the client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, addUser, type TestServer } from '../helpers/server.js';
import { request, type Session } from '../helpers/http.js';
import { addAdmin, assertError, createPassword, forwardAuth, openSession, PASSWORD } from './support.js';

const NEW_PASSWORD = 'a brand new passphrase';

for (const dialect of DIALECTS) {
  describe(`races on one account (${dialect})`, () => {
    let server: TestServer;
    let admin: Session;
    before(async () => {
      server = await startServer({ dialect });
      admin = await addAdmin(server, 'root');
    });
    after(() => server.close());

    /**
     * Four clients signing in as `username` in a loop from their own
     * addresses, until `stop()`; the cookies of the sessions they opened.
     */
    function signInLoops(username: string, subnet: number): { cookies: string[]; stop(): Promise<void> } {
      const cookies: string[] = [];
      let running = true;
      const loop = async (from: string) => {
        while (running) {
          const reply = await request(server.url, '/api/v1/session', {
            method: 'POST',
            body: { username, password: PASSWORD },
            from,
          });
          const cookie = reply.headers['set-cookie']?.[0]?.split(';')[0];
          if (reply.status === 200 && cookie) cookies.push(cookie);
        }
      };
      const loops = [1, 2, 3, 4].map((host) => loop(`127.0.${subnet}.${host}`));
      return {
        cookies,
        async stop() {
          running = false;
          await Promise.all(loops);
        },
      };
    }

    it('accepts, after PUT /me/password returns, no session but the caller’s, however many sign-ins with the old password raced it', async () => {
      // At production cost, each racing sign-in checks the old password as long as it does in production.
      const user = await addUser(server, 'racer', PASSWORD, 'user', { productionArgon2: true });
      const caller = await openSession(server, user.id);
      const { cookies, stop } = signInLoops('racer', 9);
      // Race from the first session opened with the old password (a fixed pause may open none on a loaded machine).
      while (cookies.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const change = await caller.call('/api/v1/me/password', {
        method: 'PUT',
        body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      await stop();
      assert.equal(change.status, 200, change.text);
      assert.ok(cookies.length > 0, 'some sign-ins with the old password succeeded before the change');
      for (const cookie of cookies) {
        const me = await request(server.url, '/api/v1/me', { headers: { cookie } });
        assert.equal(me.status, 401, `a session opened with the old password still works: ${me.text}`);
      }
      assert.equal((await caller.call('/api/v1/me')).status, 200);
    });

    it('refuses an app password created from a session that a password change ended, when the creations raced it', async () => {
      const user = await addUser(server, 'creator', PASSWORD);
      const caller = await openSession(server, user.id);
      const other = await openSession(server, user.id);
      const creations = Array.from({ length: 6 }, (_, i) =>
        other.call('/api/v1/app-passwords', { method: 'POST', body: { name: `Racing ${i}` } }),
      );
      const change = caller.call('/api/v1/me/password', {
        method: 'PUT',
        body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      const replies = await Promise.all(creations);
      assert.equal((await change).status, 200);
      for (const [i, reply] of replies.entries()) {
        if (reply.status !== 201) {
          assertError(reply, 401, 'UNAUTHENTICATED');
          continue;
        }
        const used = await forwardAuth(server, 'webdav', 'creator', reply.json.password, `127.0.10.${i + 1}`);
        assert.equal(used.status, 401, 'a password created before the change committed still works');
      }
    });

    it('accepts, after an administrator disables the account, none of the sessions or app passwords that raced the disabling', async () => {
      const user = await addUser(server, 'disabled-racer', PASSWORD, 'user', { productionArgon2: true });
      const open = await openSession(server, user.id);
      const { cookies, stop } = signInLoops('disabled-racer', 11);
      let creating = true;
      const secrets: string[] = [];
      const creations = (async () => {
        for (let i = 0; creating; i++) {
          const reply = await open.call('/api/v1/app-passwords', { method: 'POST', body: { name: `Racing ${i}` } });
          if (reply.status === 201) secrets.push(reply.json.password);
        }
      })();
      while (cookies.length < 2 || secrets.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      const disabled = await admin.call(`/api/v1/admin/users/${user.id}/disable`, { method: 'POST' });
      creating = false;
      await Promise.all([stop(), creations]);
      assert.equal(disabled.status, 200, disabled.text);
      const again = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'disabled-racer', password: PASSWORD },
        from: '127.0.12.1',
      });
      assertError(again, 401, 'INVALID_CREDENTIALS');
      for (const cookie of [...cookies, open.cookie]) {
        const me = await request(server.url, '/api/v1/me', { headers: { cookie } });
        assert.equal(me.status, 401, `a session of the disabled account still works: ${me.text}`);
      }
      for (const [i, secret] of secrets.entries()) {
        const used = await forwardAuth(server, 'webdav', 'disabled-racer', secret, `127.0.13.${(i % 250) + 1}`);
        assert.equal(used.status, 401, 'an app password of the disabled account still works');
      }
    });

    it('revokes a password once when ten revocations race: one 204, nine 404, one audit entry', async () => {
      const owner = await addUser(server, 'revoked-once', PASSWORD);
      const { id } = await createPassword(await openSession(server, owner.id), { name: 'Contested' });
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => admin.call(`/api/v1/admin/app-passwords/${id}`, { method: 'DELETE' })),
      );
      assert.deepEqual(replies.map((r) => r.status).sort(), [204, ...Array<number>(9).fill(404)]);
      for (const reply of replies.filter((r) => r.status === 404)) assertError(reply, 404, 'APP_PASSWORD_NOT_FOUND');
      const audit = await admin.call('/api/v1/admin/audit?limit=500');
      const revocations = audit.json.entries.filter(
        (e: { action: string; details: { appPasswordId?: string } }) =>
          e.action === 'app-password.revoked' && e.details.appPasswordId === id,
      );
      assert.equal(revocations.length, 1);
    });

    it('pages the audit log with its cursor without losing or repeating entries written in the same millisecond', async () => {
      const all = await admin.call('/api/v1/admin/audit?limit=500');
      const expected = all.json.entries.map((e: { id: string }) => e.id);
      assert.ok(expected.length >= 20, `only ${expected.length} entries`);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/v1/admin/audit?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await admin.call(query);
        assert.equal(page.status, 200, page.text);
        seen.push(...page.json.entries.map((e: { id: string }) => e.id));
        cursor = page.json.nextCursor;
      } while (cursor !== null);
      assert.deepEqual(seen, expected);
      assertError(await admin.call('/api/v1/admin/audit?cursor=bm90LWEtY3Vyc29y'), 400, 'VALIDATION_FAILED');
    });

    it('records the account as the audit actor and the User-Agent apart, labelled client', async () => {
      const user = await addUser(server, 'agent-user', PASSWORD);
      const { secret } = await createPassword(await openSession(server, user.id), { name: 'Unassigned' });
      const used = await request(server.url, '/api/v1/forward-auth/webdav', {
        headers: { authorization: `Basic ${Buffer.from(`agent-user:${secret}`).toString('base64')}`, 'user-agent': 'admin' },
      });
      assert.equal(used.status, 204, used.text);
      const audit = await admin.call('/api/v1/admin/audit?limit=500');
      const entry = audit.json.entries.find(
        (e: { action: string; target: string }) => e.action === 'app-password.assigned-on-first-use' && e.target === 'Unassigned',
      );
      assert.equal(entry.actor, 'agent-user');
      assert.equal(entry.actorUserId, user.id);
      assert.equal(entry.client, 'admin');
    });
  });
}
