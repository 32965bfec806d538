/**
 * Concurrent changes on one account, on SQLite and PostgreSQL: a password
 * change, a disabling or a revocation shuts out whoever raced it; audit
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

    it('accepts, after PUT /me/password returns, no session but the caller’s, however many sign-ins with the old password raced it', async () => {
      const user = await addUser(server, 'racer', PASSWORD);
      const caller = await openSession(server, user.id);
      const cookies: string[] = [];
      let changing = true;
      const signInLoop = async (from: string) => {
        while (changing) {
          const reply = await request(server.url, '/api/v1/session', {
            method: 'POST',
            body: { username: 'racer', password: PASSWORD },
            from,
          });
          const cookie = reply.headers['set-cookie']?.[0]?.split(';')[0];
          if (reply.status === 200 && cookie) cookies.push(cookie);
        }
      };
      const loops = ['127.0.9.1', '127.0.9.2', '127.0.9.3', '127.0.9.4'].map(signInLoop);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const change = await caller.call('/api/v1/me/password', {
        method: 'PUT',
        body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      changing = false;
      assert.equal(change.status, 200, change.text);
      await Promise.all(loops);
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
