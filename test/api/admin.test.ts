/**
 * The admin API, on SQLite and PostgreSQL: every admin route refused to
 * non-admins (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED) without
 * any change; users (list, create, refused names), policy (read, set,
 * refused values), a user's app passwords, revocation, and the audit log
 * (who, what, from where — never a secret).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import {
  ALL_TABLES,
  PASSWORD,
  assertError,
  assertUnchanged,
  assertUniform401,
  forwardAuth,
  freshIp,
  userWithSession,
  type CreatedPassword,
} from './support.js';

const DAY_MS = 86_400_000;

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  actorUserId: string | null;
  action: string;
  target: string;
  targetUserId: string | null;
  ip: string;
  details: Record<string, unknown>;
}

for (const dialect of DIALECTS) {
  describe(`admin API (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;
    let adminId: string;
    let plain: Session;
    let plainId: string;
    let victim: { id: string; password: CreatedPassword };
    /** Every secret created through this server, searched for in the audit log at the end. */
    const secrets: string[] = [];

    async function newPassword(session: Session, body: Record<string, unknown>, from?: string): Promise<CreatedPassword> {
      const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body, ...(from ? { from } : {}) });
      assert.equal(reply.status, 201, reply.text);
      secrets.push(reply.json.password);
      return { id: reply.json.appPassword.id, secret: reply.json.password };
    }

    async function auditEntries(): Promise<{ reply: HttpReply; entries: AuditEntry[] }> {
      const reply = await admin.call('/api/v1/admin/audit?limit=500');
      assert.equal(reply.status, 200, reply.text);
      return { reply, entries: reply.json.entries };
    }

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      ({ session: admin, id: adminId } = await userWithSession(server, 'root', 'admin'));
      ({ session: plain, id: plainId } = await userWithSession(server, 'plain'));
      const { session: victimSession, id } = await userWithSession(server, 'victim');
      victim = { id, password: await newPassword(victimSession, { name: 'Cible', application: 'webdav' }) };
    });
    after(() => server.close());

    function adminRoutes(): Array<[string, string, unknown]> {
      return [
        ['GET', '/api/v1/admin/users', undefined],
        ['POST', '/api/v1/admin/users', { username: 'intrus', password: 'a long password' }],
        ['POST', `/api/v1/admin/users/${victim.id}/disable`, undefined],
        ['POST', `/api/v1/admin/users/${plainId}/disable`, undefined],
        ['POST', `/api/v1/admin/users/${victim.id}/enable`, undefined],
        ['GET', `/api/v1/admin/users/${victim.id}/app-passwords`, undefined],
        ['DELETE', `/api/v1/admin/app-passwords/${victim.password.id}`, undefined],
        ['GET', '/api/v1/admin/policy', undefined],
        ['PUT', '/api/v1/admin/policy', { allowPrimaryPasswordOverBasic: true }],
        ['GET', '/api/v1/admin/audit', undefined],
      ];
    }

    describe('access', () => {
      it('refuses every admin route to a signed-in non-admin with FORBIDDEN, changing nothing', async () => {
        for (const [method, path, body] of adminRoutes()) {
          const reply = await assertUnchanged(
            server,
            () => plain.call(path, { method, ...(body === undefined ? {} : { body }) }),
            ALL_TABLES,
          );
          assertError(reply, 403, 'FORBIDDEN');
          assert.ok(!reply.text.includes('victim') && !reply.text.includes('Cible'), reply.text);
        }
        assert.equal((await forwardAuth(server, 'webdav', 'victim', victim.password.secret)).status, 204);
      });

      it('refuses every admin route without a session with UNAUTHENTICATED, even with Basic credentials', async () => {
        const adminPassword = await newPassword(admin, { name: 'Client admin' });
        for (const [method, path, body] of adminRoutes()) {
          for (const headers of [{}, basic('root', adminPassword.secret), { cookie: 'sesame_session=forged-token' }]) {
            const reply = await assertUnchanged(
              server,
              () => request(server.url, path, { method, headers, ...(body === undefined ? {} : { body }) }),
              ALL_TABLES,
            );
            assertError(reply, 401, 'UNAUTHENTICATED');
          }
        }
      });
    });

    describe('users', () => {
      it('lists users with their role and state, and no password hash', async () => {
        const reply = await admin.call('/api/v1/admin/users');
        assert.equal(reply.status, 200, reply.text);
        const byName = new Map((reply.json.users as Array<Record<string, unknown>>).map((u) => [u.username, u]));
        assert.equal(byName.get('root')?.role, 'admin');
        assert.equal(byName.get('plain')?.role, 'user');
        assert.equal(byName.get('plain')?.disabled, false);
        assert.equal(byName.get('plain')?.twoFactor, false);
        assert.equal(byName.get('plain')?.id, plainId);
        assert.ok(!reply.text.includes('$argon2'));
        assert.ok(!/password/i.test(reply.text));
      });

      it('creates a user who can then sign in', async () => {
        const ip = freshIp();
        const reply = await admin.call('/api/v1/admin/users', {
          method: 'POST',
          body: { username: 'Nouvelle', password: 'her own password' },
          from: ip,
        });
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.json.user.username, 'Nouvelle');
        assert.equal(reply.json.user.role, 'user');
        assert.ok(!reply.text.includes('her own password'));
        const session = await signIn(server.url, 'nouvelle', 'her own password');
        assert.equal((await session.call('/api/v1/me')).json.user.id, reply.json.user.id);
        const { entries } = await auditEntries();
        const created = entries.find((e) => e.action === 'user.created' && e.targetUserId === reply.json.user.id);
        assert.ok(created, 'user creation not audited');
        assert.equal(created.actor, 'root');
        assert.equal(created.actorUserId, adminId);
        assert.equal(created.ip, ip);
      });

      it('refuses a duplicate username in any case with USER_EXISTS, changing nothing', async () => {
        for (const username of ['plain', 'PLAIN', ' Plain ']) {
          const reply = await assertUnchanged(
            server,
            () => admin.call('/api/v1/admin/users', { method: 'POST', body: { username, password: 'a long password' } }),
            ALL_TABLES,
          );
          assertError(reply, 409, 'USER_EXISTS');
        }
      });

      it('refuses a username with a colon (or other invalid ones) with USERNAME_INVALID, changing nothing', async () => {
        for (const username of ['a:b', '', 'with space', 'x'.repeat(65), 'zero\u200bwidth']) {
          const reply = await assertUnchanged(
            server,
            () => admin.call('/api/v1/admin/users', { method: 'POST', body: { username, password: 'a long password' } }),
            ALL_TABLES,
          );
          assertError(reply, 400, 'USERNAME_INVALID');
        }
      });

      it('refuses a short password and unknown fields on user creation, changing nothing', async () => {
        const short = await assertUnchanged(
          server,
          () => admin.call('/api/v1/admin/users', { method: 'POST', body: { username: 'court', password: 'short' } }),
          ALL_TABLES,
        );
        assertError(short, 400, 'PASSWORD_TOO_SHORT');
        const extra = await assertUnchanged(
          server,
          () =>
            admin.call('/api/v1/admin/users', {
              method: 'POST',
              body: { username: 'extra', password: 'a long password', totp: 'x' },
            }),
          ALL_TABLES,
        );
        assertError(extra, 400, 'VALIDATION_FAILED');
        const role = await assertUnchanged(
          server,
          () =>
            admin.call('/api/v1/admin/users', {
              method: 'POST',
              body: { username: 'extra', password: 'a long password', role: 'root' },
            }),
          ALL_TABLES,
        );
        assertError(role, 400, 'VALIDATION_FAILED');
      });

      it('answers USER_NOT_FOUND for an unknown user id, changing nothing', async () => {
        const id = crypto.randomUUID();
        assertError(
          await assertUnchanged(server, () => admin.call(`/api/v1/admin/users/${id}/app-passwords`), ALL_TABLES),
          404,
          'USER_NOT_FOUND',
        );
        assertError(
          await assertUnchanged(server, () => admin.call(`/api/v1/admin/users/${id}/disable`, { method: 'POST' }), ALL_TABLES),
          404,
          'USER_NOT_FOUND',
        );
      });
    });

    describe('policy', () => {
      it('reads the default policy', async () => {
        const reply = await admin.call('/api/v1/admin/policy');
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(reply.json, {
          appPasswordLifetimeDays: 365,
          maxActiveAppPasswords: 50,
          revokeAppPasswordsOnPasswordChange: true,
          allowPrimaryPasswordOverBasic: false,
          storageQuotaBytes: 0,
          requireTwoFactorForLocalAccounts: false,
        });
      });

      it('sets the lifetime, which then bounds new passwords', async () => {
        const { session } = await userWithSession(server, 'pol-user');
        const ip = freshIp();
        const reply = await admin.call('/api/v1/admin/policy', {
          method: 'PUT',
          body: { appPasswordLifetimeDays: 30 },
          from: ip,
        });
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.json.appPasswordLifetimeDays, 30);
        assert.equal((await admin.call('/api/v1/admin/policy')).json.appPasswordLifetimeDays, 30);
        try {
          const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Trente jours' } });
          assert.equal(created.status, 201, created.text);
          secrets.push(created.json.password);
          assert.equal(
            created.json.appPassword.expiresAt,
            new Date(clock.now() + 30 * DAY_MS).toISOString().slice(0, 19) + '+00:00',
          );
          const tooLong = await session.call('/api/v1/app-passwords', {
            method: 'POST',
            body: { name: 'Trop', expiresInDays: 31 },
          });
          assertError(tooLong, 400, 'EXPIRY_OUT_OF_RANGE');
        } finally {
          await admin.call('/api/v1/admin/policy', { method: 'PUT', body: { appPasswordLifetimeDays: 365 } });
        }
        const { entries } = await auditEntries();
        const change = entries.find((e) => e.action === 'policy.updated' && e.details.appPasswordLifetimeDays === 30);
        assert.ok(change, 'policy change not audited');
        assert.equal(change.actor, 'root');
        assert.equal(change.ip, ip);
      });

      it('refuses a lifetime of 0 or 3651 days (and other bad values) with POLICY_INVALID, changing nothing', async () => {
        for (const body of [
          { appPasswordLifetimeDays: 0 },
          { appPasswordLifetimeDays: 3651 },
          { appPasswordLifetimeDays: -5 },
          { maxActiveAppPasswords: 0 },
          { appPasswordLifetimeDays: 30, maxActiveAppPasswords: 0 },
        ]) {
          const reply = await assertUnchanged(
            server,
            () => admin.call('/api/v1/admin/policy', { method: 'PUT', body }),
            ALL_TABLES,
          );
          assertError(reply, 400, 'POLICY_INVALID');
        }
        assert.equal((await admin.call('/api/v1/admin/policy')).json.appPasswordLifetimeDays, 365);
      });

      it('refuses unknown settings and empty changes with VALIDATION_FAILED, changing nothing', async () => {
        for (const body of [{ passwordMinLength: 4 }, {}, { appPasswordLifetimeDays: 1.5 }]) {
          const reply = await assertUnchanged(
            server,
            () => admin.call('/api/v1/admin/policy', { method: 'PUT', body }),
            ALL_TABLES,
          );
          assertError(reply, 400, 'VALIDATION_FAILED');
        }
      });
    });

    describe("a user's app passwords", () => {
      it("lists a user's passwords by name and assignment, without secrets", async () => {
        const { session, id } = await userWithSession(server, 'listed');
        const one = await newPassword(session, { name: 'Un', application: 'sync' });
        const two = await newPassword(session, { name: 'Deux' });
        const reply = await admin.call(`/api/v1/admin/users/${id}/app-passwords`);
        assert.equal(reply.status, 200, reply.text);
        const byId = new Map((reply.json.appPasswords as Array<Record<string, unknown>>).map((p) => [p.id, p]));
        assert.equal(byId.size, 2);
        assert.equal(byId.get(one.id)?.name, 'Un');
        assert.equal(byId.get(one.id)?.application, 'sync');
        assert.equal(byId.get(two.id)?.application, null);
        assert.ok(!reply.text.includes(one.secret) && !reply.text.includes(two.secret));
      });

      it("revokes any user's password: refused at the next request and gone from the owner's list", async () => {
        const { session } = await userWithSession(server, 'revoked');
        const target = await newPassword(session, { name: 'À révoquer', application: 'outlook' });
        assert.equal((await forwardAuth(server, 'outlook', 'revoked', target.secret)).status, 204);
        const ip = freshIp();
        const reply = await admin.call(`/api/v1/admin/app-passwords/${target.id}`, { method: 'DELETE', from: ip });
        assert.equal(reply.status, 204, reply.text);
        assertUniform401(await forwardAuth(server, 'outlook', 'revoked', target.secret));
        assert.deepEqual((await session.call('/api/v1/app-passwords')).json.appPasswords, []);
        const { entries } = await auditEntries();
        const revoked = entries.find((e) => e.action === 'app-password.revoked' && e.details.appPasswordId === target.id);
        assert.ok(revoked, 'revocation not audited');
        assert.equal(revoked.actor, 'root');
        assert.equal(revoked.ip, ip);
        assert.equal(revoked.target, 'À révoquer');
      });

      it('filters the audit log by action and by actor or target, paging within the filter', async () => {
        const names = ['filtre-a', 'filtre-b', 'filtre-c'];
        for (const name of names) await userWithSession(server, name);
        const { session } = await userWithSession(server, 'filtre-owner');
        await newPassword(session, { name: 'filtre-b' });

        const created: AuditEntry[] = [];
        let cursor: string | null = null;
        do {
          const query: string = `/api/v1/admin/audit?action=user.created&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = await admin.call(query);
          assert.equal(page.status, 200, page.text);
          created.push(...(page.json.entries as AuditEntry[]));
          cursor = page.json.nextCursor;
        } while (cursor !== null);
        assert.ok(created.every((entry) => entry.action === 'user.created'));
        for (const name of names)
          assert.ok(
            created.some((entry) => entry.target === name),
            `${name} in the filtered pages`,
          );
        const all = (await auditEntries()).entries.filter((entry) => entry.action === 'user.created');
        assert.deepEqual(
          created.map((entry) => entry.id),
          all.map((entry) => entry.id),
          'the filtered pages hold every user.created entry, once, in order',
        );

        const byName = await admin.call(`/api/v1/admin/audit?user=${encodeURIComponent('filtre-b')}`);
        assert.equal(byName.status, 200, byName.text);
        const entries = byName.json.entries as AuditEntry[];
        assert.ok(
          entries.some((entry) => entry.action === 'user.created'),
          'the user named as target',
        );
        assert.ok(
          entries.some((entry) => entry.action === 'app-password.created'),
          'the password named as target',
        );
        assert.ok(entries.every((entry) => entry.actor === 'filtre-b' || entry.target === 'filtre-b'));

        const both = await admin.call(`/api/v1/admin/audit?action=user.created&user=filtre-c`);
        assert.deepEqual(
          (both.json.entries as AuditEntry[]).map((entry) => [entry.action, entry.target]),
          [['user.created', 'filtre-c']],
        );
        assertError(await admin.call('/api/v1/admin/audit?action=User%20Created'), 400, 'VALIDATION_FAILED');
        assertError(await admin.call('/api/v1/admin/audit?user=a%00b'), 400, 'VALIDATION_FAILED');
      });

      it('answers APP_PASSWORD_NOT_FOUND when revoking an unknown or already revoked password, changing nothing', async () => {
        const { session } = await userWithSession(server, 'revoked-twice');
        const target = await newPassword(session, { name: 'Une fois' });
        assert.equal((await admin.call(`/api/v1/admin/app-passwords/${target.id}`, { method: 'DELETE' })).status, 204);
        for (const id of [target.id, crypto.randomUUID()]) {
          const reply = await assertUnchanged(
            server,
            () => admin.call(`/api/v1/admin/app-passwords/${id}`, { method: 'DELETE' }),
            ALL_TABLES,
          );
          assertError(reply, 404, 'APP_PASSWORD_NOT_FOUND');
        }
      });
    });

    describe('audit log', () => {
      it('records creations, assignments, deletions, revocations and policy changes with who and from where', async () => {
        const { session, id } = await userWithSession(server, 'audited');
        const ips = {
          create: freshIp(),
          assign: freshIp(),
          firstUse: freshIp(),
          remove: freshIp(),
          revoke: freshIp(),
          policy: freshIp(),
        };
        const assigned = await newPassword(session, { name: 'Configuré' }, ips.create);
        const bound = await newPassword(session, { name: 'Lié' });
        const removed = await newPassword(session, { name: 'Effacé' });
        const revoked = await newPassword(session, { name: 'Révoqué' });
        await session.call(`/api/v1/app-passwords/${assigned.id}`, {
          method: 'PATCH',
          body: { application: 'sync' },
          from: ips.assign,
        });
        assert.equal((await forwardAuth(server, 'webdav', 'audited', bound.secret, ips.firstUse)).status, 204);
        await session.call(`/api/v1/app-passwords/${removed.id}`, { method: 'DELETE', from: ips.remove });
        await admin.call(`/api/v1/admin/app-passwords/${revoked.id}`, { method: 'DELETE', from: ips.revoke });
        await admin.call('/api/v1/admin/policy', { method: 'PUT', body: { maxActiveAppPasswords: 49 }, from: ips.policy });
        await admin.call('/api/v1/admin/policy', { method: 'PUT', body: { maxActiveAppPasswords: 50 }, from: ips.policy });

        const { entries } = await auditEntries();
        const find = (action: string, appPasswordId?: string) =>
          entries.find((e) => e.action === action && (appPasswordId === undefined || e.details.appPasswordId === appPasswordId));
        // [entry, acting user id, actor name (null: a client description), ip, target]
        const expectations: Array<[AuditEntry | undefined, string, string | null, string, string]> = [
          [find('app-password.created', assigned.id), id, 'audited', ips.create, 'Configuré'],
          [find('app-password.updated', assigned.id), id, 'audited', ips.assign, 'Configuré'],
          [find('app-password.assigned-on-first-use', bound.id), id, null, ips.firstUse, 'Lié'],
          [find('app-password.deleted', removed.id), id, 'audited', ips.remove, 'Effacé'],
          [find('app-password.revoked', revoked.id), adminId, 'root', ips.revoke, 'Révoqué'],
        ];
        for (const [entry, actorUserId, actor, ip, target] of expectations) {
          assert.ok(entry, `missing audit entry for ${target}`);
          assert.equal(entry.actorUserId, actorUserId, `${entry.action} actor id`);
          if (actor !== null) assert.equal(entry.actor, actor, `${entry.action} actor`);
          assert.equal(entry.ip, ip, `${entry.action} ip`);
          assert.equal(entry.target, target);
          assert.equal(entry.targetUserId, id);
          assert.match(entry.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
        }
        assert.equal(find('app-password.updated', assigned.id)!.details.application, 'sync');
        assert.equal(find('app-password.assigned-on-first-use', bound.id)!.details.application, 'webdav');
        const policy = entries.find((e) => e.action === 'policy.updated' && e.details.maxActiveAppPasswords === 49);
        assert.ok(policy, 'policy change not audited');
        assert.equal(policy.actor, 'root');
        assert.equal(policy.ip, ips.policy);
      });

      it('records web sign-ins with the method and address', async () => {
        const { id } = await userWithSession(server, 'signs-in');
        const ip = freshIp();
        await signIn(server.url, 'signs-in', PASSWORD, { from: ip });
        const { entries } = await auditEntries();
        const entry = entries.find((e) => e.action === 'session.created' && e.targetUserId === id);
        assert.ok(entry, 'sign-in not audited');
        assert.equal(entry.ip, ip);
        assert.equal(entry.details.method, 'password');
      });

      it('never contains a secret: every secret created here is absent from the audit reply and table', async () => {
        assert.ok(secrets.length >= 8, `only ${secrets.length} secrets collected`);
        const { reply } = await auditEntries();
        const rows = JSON.stringify(await server.server.services.db.selectFrom('audit_log').selectAll().execute());
        for (const secret of secrets) {
          assert.ok(!reply.text.includes(secret), 'a secret appears in the audit log reply');
          assert.ok(!reply.text.includes(JSON.stringify(secret).slice(1, -1)));
          assert.ok(!rows.includes(secret), 'a secret appears in the audit_log table');
        }
      });
    });
  });
}
