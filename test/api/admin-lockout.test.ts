/**
 * No administrator can lock everyone out, on SQLite and PostgreSQL: an
 * administrator cannot disable their own account (409
 * CANNOT_DISABLE_SELF), nobody — the CLI included — can disable the last
 * enabled administrator (409 LAST_ADMIN), and two administrators disabling
 * each other at once cannot both succeed. A refusal changes nothing and is
 * not audited; the system (a provider refusing an SSO account) still can.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import type { Session } from '../helpers/http.js';
import { disableUser, enableUser } from '../../src/accounts/users.js';
import { CLI_ACTOR, SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import { isSesameError } from '../../src/errors.js';
import { ALL_TABLES, assertError, assertUnchanged, openSession, userWithSession } from './support.js';

for (const dialect of DIALECTS) {
  describe(`no administrator locks everyone out (${dialect})`, () => {
    let server: TestServer;
    let root: { session: Session; id: string };
    let deputy: { session: Session; id: string };

    before(async () => {
      server = await startServer({ dialect });
      root = await userWithSession(server, 'root', 'admin');
      deputy = await userWithSession(server, 'deputy', 'admin');
    });
    after(() => server.close());

    const disable = (as: Session, id: string) => as.call(`/api/v1/admin/users/${id}/disable`, { method: 'POST' });

    it('refuses an administrator disabling their own account, changing nothing', async () => {
      const reply = await assertUnchanged(server, () => disable(root.session, root.id), ALL_TABLES);
      assertError(reply, 409, 'CANNOT_DISABLE_SELF');
      assert.equal((await root.session.call('/api/v1/me')).status, 200, 'the session goes on');
    });

    it('refuses disabling the last enabled administrator, from the CLI too', async () => {
      assert.equal((await disable(root.session, deputy.id)).status, 200);
      await assertUnchanged(
        server,
        async () => {
          await assert.rejects(disableUser(server.server.services, root.id, CLI_ACTOR), (error) =>
            isSesameError(error, 'LAST_ADMIN'),
          );
        },
        ALL_TABLES,
      );
      await enableUser(server.server.services, deputy.id, CLI_ACTOR);
      deputy = { ...deputy, session: await openSession(server, deputy.id) };
    });

    it('lets an administrator disable another administrator while one stays, and any user', async () => {
      const { id: plain } = await userWithSession(server, 'plain');
      assert.equal((await disable(root.session, plain)).status, 200);
      const third = await userWithSession(server, 'third', 'admin');
      assert.equal((await disable(root.session, third.id)).status, 200);
      assert.equal((await disable(deputy.session, third.id)).status, 200, 'disabling a disabled account changes nothing');
    });

    it('lets exactly one of two administrators disabling each other at once succeed', async () => {
      const replies = await Promise.all([disable(root.session, deputy.id), disable(deputy.session, root.id)]);
      const statuses = replies.map((reply) => reply.status).sort();
      assert.equal(statuses.filter((status) => status === 200).length, 1, JSON.stringify(replies.map((r) => r.text)));
      const refused = replies.find((reply) => reply.status !== 200)!;
      // The loser was either refused as the last administrator, or its session had just ended.
      assert.ok([401, 409].includes(refused.status), refused.text);
      if (refused.status === 409) assertError(refused, 409, 'LAST_ADMIN');
      const users = await (replies[0]!.status === 200 ? root : deputy).session.call('/api/v1/admin/users');
      const enabledAdmins = (users.json.users as { role: string; disabled: boolean }[]).filter(
        (user) => user.role === 'admin' && !user.disabled,
      );
      assert.equal(enabledAdmins.length, 1);
    });

    it('records no audit entry for a refusal', async () => {
      const winner = (await root.session.call('/api/v1/me')).status === 200 ? root : deputy;
      const reply = await winner.session.call('/api/v1/admin/audit?action=user.disabled&limit=500');
      const targets = (reply.json.entries as { targetUserId: string; actorUserId: string | null }[]).map(
        (entry) => `${entry.actorUserId}>${entry.targetUserId}`,
      );
      assert.ok(!targets.includes(`${root.id}>${root.id}`), 'no self-disabling entry');
    });

    it('lets the system disable the last administrator (a provider refusing an SSO account)', async () => {
      const winner = (await root.session.call('/api/v1/me')).status === 200 ? root : deputy;
      const user = await disableUser(server.server.services, winner.id, SYSTEM_ACTOR, 'sso-refresh-refused');
      assert.equal(user.disabled, true);
    });
  });
}
