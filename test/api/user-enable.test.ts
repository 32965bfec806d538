/**
 * Re-enabling a disabled account (POST /admin/users/:id/enable), on SQLite
 * and PostgreSQL: the account signs in again and its app passwords still in
 * force work again at the next request, while revoked and expired ones stay
 * refused and its old sessions stay gone; enabling is idempotent (no change,
 * no audit entry), audited `user.enabled` with who and from where, refused
 * to non-admins and without CSRF, and USER_NOT_FOUND for an unknown id.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { signIn, type Session } from '../helpers/http.js';
import {
  ALL_TABLES,
  PASSWORD,
  assertError,
  assertUnchanged,
  assertUniform401,
  createPassword,
  forwardAuth,
  freshIp,
  userWithSession,
} from './support.js';

const DAY_MS = 86_400_000;

interface AuditEntry {
  actor: string;
  actorUserId: string | null;
  action: string;
  targetUserId: string | null;
  ip: string;
}

for (const dialect of DIALECTS) {
  describe(`re-enabling a disabled account (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;
    let adminId: string;

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      ({ session: admin, id: adminId } = await userWithSession(server, 'root', 'admin'));
    });
    after(() => server.close());

    function setState(id: string, state: 'disable' | 'enable', from?: string) {
      return admin.call(`/api/v1/admin/users/${id}/${state}`, { method: 'POST', ...(from ? { from } : {}) });
    }

    async function entriesOf(action: string, userId: string): Promise<AuditEntry[]> {
      const reply = await admin.call(`/api/v1/admin/audit?limit=500&action=${action}`);
      assert.equal(reply.status, 200, reply.text);
      return (reply.json.entries as AuditEntry[]).filter((e) => e.targetUserId === userId);
    }

    async function sessionsOf(userId: string): Promise<number> {
      const rows = await server.server.services.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
      return rows.length;
    }

    it('lets the account sign in again and its app passwords work again at the next request', async () => {
      const { session, id } = await userWithSession(server, 'lea');
      const webdav = await createPassword(session, { name: 'Mon WebDAV', application: 'webdav' });
      assert.equal((await forwardAuth(server, 'webdav', 'lea', webdav.secret)).status, 204, 'verified once, remembered');
      assert.equal((await setState(id, 'disable')).status, 200);
      assertUniform401(await forwardAuth(server, 'webdav', 'lea', webdav.secret, freshIp()));

      const enabled = await setState(id, 'enable');
      assert.equal(enabled.status, 200, enabled.text);
      assert.equal(enabled.json.user.id, id);
      assert.equal(enabled.json.user.disabled, false);
      assert.equal((await forwardAuth(server, 'webdav', 'lea', webdav.secret, freshIp())).status, 204);
      const listed = await admin.call('/api/v1/admin/users');
      assert.equal(listed.json.users.find((u: { id: string }) => u.id === id).disabled, false);
      const again = await signIn(server.url, 'lea', PASSWORD);
      assert.equal((await again.call('/api/v1/me')).json.user.id, id);
    });

    it('keeps revoked and expired app passwords refused, and the old sessions gone', async () => {
      const { session, id } = await userWithSession(server, 'marc');
      const kept = await createPassword(session, { name: 'Gardé', application: 'webdav' });
      const revoked = await createPassword(session, { name: 'Révoqué', application: 'webdav' });
      const expiring = await createPassword(session, { name: 'Expirant', application: 'webdav', expiresInDays: 1 });
      assert.equal((await setState(id, 'disable')).status, 200);
      assert.equal((await admin.call(`/api/v1/admin/app-passwords/${revoked.id}`, { method: 'DELETE' })).status, 204);
      clock.advance(DAY_MS + 1_000);

      assert.equal((await setState(id, 'enable')).status, 200);
      assert.equal((await forwardAuth(server, 'webdav', 'marc', kept.secret, freshIp())).status, 204);
      assertUniform401(await forwardAuth(server, 'webdav', 'marc', revoked.secret, freshIp()));
      assertUniform401(await forwardAuth(server, 'webdav', 'marc', expiring.secret, freshIp()));
      assertError(await session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
      assert.equal(await sessionsOf(id), 0);
    });

    it('audits the change once, with who and from where; enabling an enabled account changes nothing', async () => {
      const { id } = await userWithSession(server, 'nina');
      assert.equal((await setState(id, 'disable')).status, 200);
      const ip = freshIp();
      assert.equal((await setState(id, 'enable', ip)).status, 200);
      const entries = await entriesOf('user.enabled', id);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.actor, 'root');
      assert.equal(entries[0]!.actorUserId, adminId);
      assert.equal(entries[0]!.ip, ip);

      const repeated = await assertUnchanged(server, () => setState(id, 'enable'), ALL_TABLES);
      assert.equal(repeated.status, 200, repeated.text);
      assert.equal(repeated.json.user.disabled, false);
      const never = await userWithSession(server, 'oscar');
      const untouched = await assertUnchanged(server, () => setState(never.id, 'enable'), ALL_TABLES);
      assert.equal(untouched.json.user.disabled, false);
      assert.equal((await never.session.call('/api/v1/me')).status, 200, 'an enabled account keeps its sessions');
      assert.equal((await entriesOf('user.enabled', never.id)).length, 0);
    });

    it('answers USER_NOT_FOUND for an unknown user id, changing nothing', async () => {
      assertError(
        await assertUnchanged(server, () => setState(crypto.randomUUID(), 'enable'), ALL_TABLES),
        404,
        'USER_NOT_FOUND',
      );
    });

    it('refuses a non-admin with FORBIDDEN, and a call without CSRF token with CSRF_TOKEN_INVALID, changing nothing', async () => {
      const { id } = await userWithSession(server, 'paul');
      assert.equal((await setState(id, 'disable')).status, 200);
      const { session: plain } = await userWithSession(server, 'quentin');
      assertError(
        await assertUnchanged(server, () => plain.call(`/api/v1/admin/users/${id}/enable`, { method: 'POST' }), ALL_TABLES),
        403,
        'FORBIDDEN',
      );
      const noToken = await assertUnchanged(
        server,
        () => admin.call(`/api/v1/admin/users/${id}/enable`, { method: 'POST', headers: { 'x-csrf-token': '' } }),
        ALL_TABLES,
      );
      assertError(noToken, 403, 'CSRF_TOKEN_INVALID');
      const listed = await admin.call('/api/v1/admin/users');
      assert.equal(listed.json.users.find((u: { id: string }) => u.id === id).disabled, true);
    });
  });
}
