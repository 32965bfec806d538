/**
 * What the administration reads and does about users, on SQLite and
 * PostgreSQL: the users list gives each one's last web sign-in; an
 * administrator resets a user's two-factor authentication (secret and
 * recovery codes gone, every session ended, audited `user.totp-reset`;
 * refused for an account without it, an SSO one, or by a non-admin);
 * GET /me says whether the policy holds the account to 2FA enrolment;
 * the audit log lists every action it records and names the account a
 * target belongs to.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { signIn, type Session } from '../helpers/http.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import { AUDIT_ACTIONS } from '../../src/audit/audit-log.js';
import {
  ALL_TABLES,
  PASSWORD,
  assertError,
  assertUnchanged,
  countRows,
  createPassword,
  updatePolicyAs,
  userWithSession,
} from './support.js';

interface ListedUser {
  id: string;
  username: string;
  twoFactor: boolean;
  lastSignInAt: string | null;
}

for (const dialect of DIALECTS) {
  describe(`administering users (${dialect})`, () => {
    let server: TestServer;
    let admin: Session;
    let adminId: string;

    before(async () => {
      server = await startServer({ dialect });
      ({ session: admin, id: adminId } = await userWithSession(server, 'root', 'admin'));
    });
    after(() => server.close());

    async function listed(username: string): Promise<ListedUser | undefined> {
      const reply = await admin.call('/api/v1/admin/users');
      assert.equal(reply.status, 200, reply.text);
      return (reply.json.users as ListedUser[]).find((user) => user.username === username);
    }

    it("gives each user's last web sign-in, null for one who never signed in", async () => {
      const { id } = await userWithSession(server, 'never');
      assert.equal((await listed('never'))?.lastSignInAt, null);
      await signIn(server.url, 'never', PASSWORD);
      assert.match((await listed('never'))?.lastSignInAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      assert.equal((await listed('never'))?.id, id);
    });

    it("resets a user's two-factor authentication: no secret, no recovery code, no session; audited", async () => {
      const lost = await userWithSession(server, 'lost');
      await setTotpSecret(server.server.services, lost.id, generateTotpSecret());
      await server.server.services.db
        .insertInto('recovery_codes')
        .values({ id: 'rc-1', user_id: lost.id, code_hash: 'h', created_at: 0, used_at: null })
        .execute();
      assert.equal((await listed('lost'))?.twoFactor, true);

      const reply = await admin.call(`/api/v1/admin/users/${lost.id}/two-factor/reset`, { method: 'POST' });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.user.twoFactor, false);
      assert.equal((await lost.session.call('/api/v1/me')).status, 401, "the user's sessions ended");
      const codes = await server.server.services.db
        .selectFrom('recovery_codes')
        .select('id')
        .where('user_id', '=', lost.id)
        .execute();
      assert.deepEqual(codes, []);
      // The password alone signs in again, with no code asked.
      await signIn(server.url, 'lost', PASSWORD);
      const audit = await admin.call('/api/v1/admin/audit?action=user.totp-reset');
      const [entry] = audit.json.entries as { actor: string; target: string; targetUserId: string }[];
      assert.deepEqual([entry?.actor, entry?.target, entry?.targetUserId], ['root', 'lost', lost.id]);
    });

    it('refuses a reset for an account without 2FA and to a non-admin, changing nothing', async () => {
      const plain = await userWithSession(server, 'plain');
      const withTotp = await userWithSession(server, 'guarded');
      await setTotpSecret(server.server.services, withTotp.id, generateTotpSecret());
      const before = await countRows(server, 'audit_log');
      const none = await assertUnchanged(
        server,
        () => admin.call(`/api/v1/admin/users/${plain.id}/two-factor/reset`, { method: 'POST' }),
        ALL_TABLES,
      );
      assertError(none, 409, 'TOTP_NOT_ENABLED');
      const forbidden = await assertUnchanged(
        server,
        () => plain.session.call(`/api/v1/admin/users/${withTotp.id}/two-factor/reset`, { method: 'POST' }),
        ALL_TABLES,
      );
      assertError(forbidden, 403, 'FORBIDDEN');
      assert.equal(await countRows(server, 'audit_log'), before);
    });

    it('says in GET /me whether the policy holds the account to 2FA enrolment', async () => {
      const held = await userWithSession(server, 'held');
      const me = async (session: Session) => (await session.call('/api/v1/me')).json.twoFactorEnrolmentRequired;
      assert.equal(await me(held.session), false);
      // The administrator has 2FA, so that the policy does not hold them too.
      await setTotpSecret(server.server.services, adminId, generateTotpSecret());
      await updatePolicyAs(admin, { requireTwoFactorForLocalAccounts: true });
      try {
        assert.equal(await me(held.session), true);
        const enrolled = await userWithSession(server, 'enrolled');
        await setTotpSecret(server.server.services, enrolled.id, generateTotpSecret());
        assert.equal(await me(enrolled.session), false);
      } finally {
        await updatePolicyAs(admin, { requireTwoFactorForLocalAccounts: false });
        await setTotpSecret(server.server.services, adminId, null);
      }
    });

    it('lists every action the audit log records, and names the account a target belongs to', async () => {
      const owner = await userWithSession(server, 'owner');
      await createPassword(owner.session, { name: 'Connecteur réseau' });
      const reply = await admin.call('/api/v1/admin/audit?action=app-password.created');
      assert.deepEqual(reply.json.actions, [...AUDIT_ACTIONS]);
      const entry = (reply.json.entries as { target: string; targetUsername: string | null }[]).find(
        (candidate) => candidate.target === 'Connecteur réseau',
      );
      assert.equal(entry?.targetUsername, 'owner');
    });
  });
}
