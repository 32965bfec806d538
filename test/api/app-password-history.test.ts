/**
 * GET /app-passwords keeps, for 90 days, the passwords that ended — deleted
 * by their owner, revoked by an administrator (named), revoked by a
 * password change, expired — with when and who, and says the policy's
 * limits (active count, maximum, lifetime); on SQLite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import type { Session } from '../helpers/http.js';
import { PASSWORD, createPassword, openSession, updatePolicyAs, userWithSession } from './support.js';

const DAY_MS = 86_400_000;

interface Ended {
  name: string;
  application: string | null;
  ended: { at: string; reason: string; by: string | null };
  lastUsed: unknown;
}

for (const dialect of DIALECTS) {
  describe(`the history of ended app passwords, and the limits (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: { session: Session; id: string };
    let alice: { session: Session; id: string };

    /** Moves the clock, then opens new sessions (the old ones may have expired meanwhile). */
    async function advance(ms: number): Promise<void> {
      clock.advance(ms);
      admin = { ...admin, session: await openSession(server, admin.id) };
      alice = { ...alice, session: await openSession(server, alice.id) };
    }

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      admin = await userWithSession(server, 'root', 'admin');
      alice = await userWithSession(server, 'alice');
    });
    after(() => server.close());

    async function list() {
      const reply = await alice.session.call('/api/v1/app-passwords');
      assert.equal(reply.status, 200, reply.text);
      return reply.json as { appPasswords: { name: string }[]; history: Ended[]; limits: Record<string, number> };
    }

    it('keeps a deleted password, by its owner, and a revoked one, by the administrator named', async () => {
      const deleted = await createPassword(alice.session, { name: 'Ancien', application: 'webdav' });
      const revoked = await createPassword(alice.session, { name: 'Révoqué' });
      assert.equal((await alice.session.call(`/api/v1/app-passwords/${deleted.id}`, { method: 'DELETE' })).status, 204);
      clock.advance(1000);
      assert.equal((await admin.session.call(`/api/v1/admin/app-passwords/${revoked.id}`, { method: 'DELETE' })).status, 204);
      const { appPasswords, history } = await list();
      assert.deepEqual(
        appPasswords.map((p) => p.name),
        [],
      );
      assert.deepEqual(
        history.map((p) => [p.name, p.application, p.ended.reason, p.ended.by]),
        [
          ['Révoqué', null, 'admin', 'root'],
          ['Ancien', 'webdav', 'deleted', 'alice'],
        ],
      );
      assert.match(history[0]!.ended.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    });

    it('keeps an expired password, ended by the system at its expiry, and a password revoked by a password change', async () => {
      await createPassword(alice.session, { name: 'Court', expiresInDays: 1 });
      await advance(2 * DAY_MS);
      await createPassword(alice.session, { name: 'Avant le changement' });
      const changed = await alice.session.call('/api/v1/me/password', {
        method: 'PUT',
        body: { currentPassword: PASSWORD, newPassword: 'another long passphrase' },
      });
      assert.equal(changed.status, 200, changed.text);
      const { history } = await list();
      const byName = new Map(history.map((p) => [p.name, p.ended]));
      assert.deepEqual(
        [byName.get('Court')?.reason, byName.get('Court')?.by],
        ['password-changed', 'alice'],
        'an expired password not yet retired is revoked by the change like any other',
      );
      assert.equal(byName.get('Avant le changement')?.reason, 'password-changed');
    });

    it('shows an expired password as expired, by the system, until it is revoked', async () => {
      const bob = await userWithSession(server, 'bob');
      await createPassword(bob.session, { name: 'Une semaine', expiresInDays: 7 });
      await advance(8 * DAY_MS);
      const reply = await (await openSession(server, bob.id)).call('/api/v1/app-passwords');
      const [ended] = reply.json.history as Ended[];
      assert.equal(ended?.name, 'Une semaine');
      assert.equal(ended?.ended.reason, 'expired');
      assert.equal(ended?.ended.by, 'system');
      assert.equal(reply.json.limits.active, 0);
    });

    it('forgets what ended more than 90 days ago', async () => {
      await advance(91 * DAY_MS);
      assert.deepEqual((await list()).history, []);
    });

    it("says the policy's limits: active passwords, the maximum and the lifetime", async () => {
      await updatePolicyAs(admin.session, { maxActiveAppPasswords: 3, appPasswordLifetimeDays: 120 });
      await createPassword(alice.session, { name: 'Un' });
      await createPassword(alice.session, { name: 'Deux' });
      assert.deepEqual((await list()).limits, { active: 2, maxActive: 3, lifetimeDays: 120 });
    });
  });
}
