/**
 * A refused Basic-auth use names, in the account's recent connections, the
 * app password it was and why it was refused — wrong application, revoked,
 * expired, account disabled, not an app password (the account's own
 * password is refused by policy), the account's own password refused
 * because the account has 2FA — on SQLite and PostgreSQL. The owner alone
 * is told: the client gets the same 401 whatever the reason, another user's
 * list shows nothing, and a secret that is another account's password is
 * named to no one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import type { Session } from '../helpers/http.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import {
  PASSWORD,
  assertUniform401,
  createPassword,
  forwardAuth,
  freshIp,
  openSession,
  updatePolicyAs,
  userWithSession,
} from './support.js';

const DAY_MS = 86_400_000;

interface ConnectionRow {
  outcome: string;
  method: string;
  ip: string;
  reason: string | null;
  appPassword: { id: string; name: string; active: boolean } | null;
}

for (const dialect of DIALECTS) {
  describe(`why a use was refused, told to the owner only (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;
    let alice: { session: Session; id: string };
    let bob: { session: Session; id: string };

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      admin = (await userWithSession(server, 'root', 'admin')).session;
      alice = await userWithSession(server, 'alice');
      bob = await userWithSession(server, 'bob');
    });
    after(() => server.close());

    async function failuresFrom(session: Session, ip: string): Promise<ConnectionRow[]> {
      const reply = await session.call('/api/v1/connections');
      assert.equal(reply.status, 200, reply.text);
      return (reply.json.connections as ConnectionRow[]).filter((row) => row.ip === ip && row.outcome === 'failure');
    }

    /** A reference refusal: a secret that is nobody's password. */
    function unknownSecret(from: string) {
      return forwardAuth(server, 'webdav', 'nobody-at-all', 'not-a-secret-of-anyone', from);
    }

    it('names a password used by another application than its own, and says so', async () => {
      const password = await createPassword(alice.session, { name: 'Lecteur du bureau', application: 'webdav' });
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'outlook', 'alice', password.secret, ip), await unknownSecret(freshIp()));
      const [row, ...others] = await failuresFrom(alice.session, ip);
      assert.deepEqual(others, []);
      assert.equal(row?.reason, 'wrong-application');
      assert.deepEqual(row?.appPassword, { id: password.id, name: 'Lecteur du bureau', active: true });
    });

    it('names a deleted password, no longer active, as revoked', async () => {
      const password = await createPassword(alice.session, { name: 'Ancien portable', application: 'webdav' });
      const deleted = await alice.session.call(`/api/v1/app-passwords/${password.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 204);
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'webdav', 'alice', password.secret, ip), await unknownSecret(freshIp()));
      const [row] = await failuresFrom(alice.session, ip);
      assert.equal(row?.reason, 'revoked');
      assert.deepEqual(row?.appPassword, { id: password.id, name: 'Ancien portable', active: false });
    });

    it('names an expired password as expired', async () => {
      const password = await createPassword(alice.session, { name: 'Court', application: 'webdav', expiresInDays: 1 });
      clock.advance(2 * DAY_MS);
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'webdav', 'alice', password.secret, ip), await unknownSecret(freshIp()));
      const [row] = await failuresFrom(alice.session, ip);
      assert.equal(row?.reason, 'expired');
      assert.equal(row?.appPassword?.name, 'Court');
      assert.equal(row?.appPassword?.active, false);
    });

    it('says that the account was disabled when its password was used', async () => {
      const carol = await userWithSession(server, 'carol');
      const password = await createPassword(carol.session, { name: 'Sauvegarde', application: 'webdav' });
      assert.equal((await admin.call(`/api/v1/admin/users/${carol.id}/disable`, { method: 'POST' })).status, 200);
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'webdav', 'carol', password.secret, ip), await unknownSecret(freshIp()));
      assert.equal((await admin.call(`/api/v1/admin/users/${carol.id}/enable`, { method: 'POST' })).status, 200);
      const [row] = await failuresFrom(await openSession(server, carol.id), ip);
      assert.equal(row?.reason, 'account-disabled');
      assert.equal(row?.appPassword?.name, 'Sauvegarde');
    });

    it('says that a secret was none of the app passwords, while the policy refuses the account password', async () => {
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'webdav', 'alice', PASSWORD, ip), await unknownSecret(freshIp()));
      const [row] = await failuresFrom(alice.session, ip);
      assert.equal(row?.reason, 'not-an-app-password');
      assert.equal(row?.appPassword, null);
    });

    it("names no password when the secret is another account's, and tells that account nothing", async () => {
      const bobs = await createPassword(bob.session, { name: 'Le secret de Bob', application: 'webdav' });
      const ip = freshIp();
      assertUniform401(await forwardAuth(server, 'webdav', 'alice', bobs.secret, ip), await unknownSecret(freshIp()));
      const [row] = await failuresFrom(alice.session, ip);
      assert.equal(row?.reason, 'not-an-app-password');
      assert.equal(row?.appPassword, null);
      assert.deepEqual(await failuresFrom(bob.session, ip), []);
    });

    it("shows the reason to the owner only: another user's list does not have the row", async () => {
      const password = await createPassword(alice.session, { name: 'À moi seule', application: 'webdav' });
      const ip = freshIp();
      await forwardAuth(server, 'outlook', 'alice', password.secret, ip);
      assert.equal((await failuresFrom(alice.session, ip)).length, 1);
      assert.deepEqual(await failuresFrom(bob.session, ip), []);
    });

    it("where the policy accepts the account's own password: wrong, or right but refused for an account with 2FA", async () => {
      await updatePolicyAs(admin, { allowPrimaryPasswordOverBasic: true });
      try {
        const wrongIp = freshIp();
        assertUniform401(await forwardAuth(server, 'webdav', 'alice', 'not the password', wrongIp));
        assert.equal((await failuresFrom(alice.session, wrongIp))[0]?.reason, 'wrong-password');

        const dave = await userWithSession(server, 'dave');
        await setTotpSecret(server.server.services, dave.id, generateTotpSecret());
        const ip = freshIp();
        assertUniform401(await forwardAuth(server, 'webdav', 'dave', PASSWORD, ip));
        const [row] = await failuresFrom(dave.session, ip);
        assert.equal(row?.reason, 'primary-password-refused');
        assert.equal(row?.appPassword, null);
      } finally {
        await updatePolicyAs(admin, { allowPrimaryPasswordOverBasic: false });
      }
    });

    it('keeps the latest reason on a row used again, and no reason on a success', async () => {
      const password = await createPassword(alice.session, { name: 'Deux fois', application: 'webdav' });
      const ip = freshIp();
      assert.equal((await forwardAuth(server, 'webdav', 'alice', password.secret, ip)).status, 204);
      await forwardAuth(server, 'outlook', 'alice', password.secret, ip);
      await forwardAuth(server, 'outlook', 'alice', password.secret, ip);
      const reply = await alice.session.call('/api/v1/connections');
      const rows = (reply.json.connections as (ConnectionRow & { count: number })[]).filter((row) => row.ip === ip);
      const failure = rows.find((row) => row.outcome === 'failure');
      assert.equal(failure?.count, 2);
      assert.equal(failure?.reason, 'wrong-application');
      for (const row of rows.filter((candidate) => candidate.outcome === 'success')) assert.equal(row.reason, null);
    });
  });
}
