/**
 * An administrator links a local account to an identity at the real OpenID
 * provider (oidc-provider on loopback), on SQLite and PostgreSQL: the account
 * becomes an SSO account (no password, no TOTP, sessions ended, app
 * passwords kept), the next SSO sign-in with that `sub` reaches it, and every
 * refusal has its stable code and changes nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { request, type Session } from '../helpers/http.js';
import { sessionOf } from '../helpers/sso-browser.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { replaceRecoveryCodeHashes } from '../../src/repositories/recovery-codes.js';
import {
  PASSWORD,
  addAdmin,
  assertError,
  assertUnchanged,
  countRows,
  createPassword,
  forwardAuth,
  userWithSession,
} from './support.js';
import { signInThroughProvider, startSsoWorld, type SsoWorld } from './sso-support.js';

const ACCOUNTS = {
  'sub-lina': { email: 'lina@example.com', preferredUsername: 'lina-at-idp' },
  'sub-omar': { email: 'omar@example.com', preferredUsername: 'omar' },
  'sub-pia': { email: 'pia@example.com', preferredUsername: 'pia' },
};
const TABLES = ['users', 'sessions', 'audit_log', 'oidc_accounts', 'app_passwords', 'recovery_codes'] as const;

function link(session: Session, userId: string, subject: string) {
  return session.call(`/api/v1/admin/users/${userId}/sso-identity`, { method: 'PUT', body: { subject } });
}

for (const dialect of DIALECTS) {
  describe(`Linking a local account to an SSO identity (${dialect})`, () => {
    let world: SsoWorld;
    let server: TestServer;
    let admin: Session;

    before(async () => {
      world = await startSsoWorld(dialect, ACCOUNTS);
      server = world.sesame;
      admin = await addAdmin(server, 'admin');
    });
    after(() => world.close());

    it('turns the account into an SSO account: password refused, sessions ended, TOTP cleared, app passwords kept', async () => {
      const lina = await userWithSession(server, 'lina');
      const services = server.server.services;
      await setTotpSecret(services, lina.id, 'JBSWY3DPEHPK3PXP');
      await replaceRecoveryCodeHashes(services.db, lina.id, ['hash-one', 'hash-two'], Date.now());
      const password = await createPassword(lina.session, { name: 'Mon WebDAV', application: 'webdav' });

      const reply = await link(admin, lina.id, 'sub-lina');
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.user.id, lina.id);
      assert.equal(reply.json.user.authSource, 'oidc');
      assert.equal(reply.json.user.twoFactor, false);

      assertError(await lina.session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
      assertError(
        await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'lina', password: PASSWORD } }),
        401,
        'INVALID_CREDENTIALS',
      );
      assert.equal((await forwardAuth(server, 'webdav', 'lina', password.secret)).status, 204);
      const user = await services.db.selectFrom('users').selectAll().where('id', '=', lina.id).executeTakeFirstOrThrow();
      assert.equal(user.password_hash, null);
      assert.equal(user.totp_secret, null);
      const codes = await services.db.selectFrom('recovery_codes').select('id').where('user_id', '=', lina.id).execute();
      assert.equal(codes.length, 0);

      const audit = await admin.call('/api/v1/admin/audit?action=user.sso-linked');
      const entry = audit.json.entries.find((candidate: { target: string }) => candidate.target === 'lina');
      assert.ok(entry, audit.text);
      assert.equal(entry.actor, 'admin');
      assert.deepEqual(entry.details, { issuer: world.provider.issuer, subject: 'sub-lina' });
    });

    it('lets the next SSO sign-in with that subject reach the linked account, with no new account, and keeps its refresh token', async () => {
      const omar = await userWithSession(server, 'omar-local');
      assert.equal((await link(admin, omar.id, 'sub-omar')).status, 200);
      const usersBefore = await countRows(server, 'users');
      const me = await (await sessionOf((await signInThroughProvider(world, 'sub-omar')).browser, server.url)).call('/api/v1/me');
      assert.equal(me.json.user.id, omar.id);
      assert.equal(me.json.user.username, 'omar-local');
      assert.equal(me.json.signInMethod, 'sso');
      assert.equal(await countRows(server, 'users'), usersBefore);
      const account = await server.server.services.db
        .selectFrom('oidc_accounts')
        .selectAll()
        .where('user_id', '=', omar.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(account.refresh_token, null, 'the refresh token of the sign-in is stored');
      assert.equal(account.email, 'omar@example.com');
    });

    it('refuses an identity that already belongs to an account with SSO_IDENTITY_TAKEN', async () => {
      await signInThroughProvider(world, 'sub-pia');
      const quinn = await userWithSession(server, 'quinn');
      await assertUnchanged(server, async () => assertError(await link(admin, quinn.id, 'sub-pia'), 409, 'SSO_IDENTITY_TAKEN'), [
        ...TABLES,
      ]);
      assert.equal((await quinn.session.call('/api/v1/me')).status, 200, 'the refused account keeps its session');
    });

    it('links an identity to one account only when two admins race for it', async () => {
      const [uma, vic] = await Promise.all([userWithSession(server, 'uma'), userWithSession(server, 'vic')]);
      const replies = await Promise.all([link(admin, uma.id, 'sub-raced'), link(admin, vic.id, 'sub-raced')]);
      assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 409], replies.map((reply) => reply.text).join());
      assertError(
        replies.find((reply) => reply.status === 409)!,
        409,
        'SSO_IDENTITY_TAKEN',
      );
      const loser = replies[0]!.status === 409 ? uma : vic;
      assert.equal((await loser.session.call('/api/v1/me')).json.user.authSource, 'local', 'the other account is untouched');
    });

    it('refuses an account that already is an SSO one with ALREADY_SSO', async () => {
      const me = await (await sessionOf((await signInThroughProvider(world, 'sub-pia')).browser, server.url)).call('/api/v1/me');
      await assertUnchanged(server, async () => assertError(await link(admin, me.json.user.id, 'sub-new'), 409, 'ALREADY_SSO'), [
        ...TABLES,
      ]);
    });

    it('refuses an unknown user id with USER_NOT_FOUND', async () => {
      await assertUnchanged(
        server,
        async () => assertError(await link(admin, '00000000-0000-4000-8000-000000000000', 'sub-x'), 404, 'USER_NOT_FOUND'),
        [...TABLES],
      );
    });

    it('refuses an empty, too long or control-character subject with VALIDATION_FAILED', async () => {
      const rita = await userWithSession(server, 'rita');
      for (const subject of ['', 'x'.repeat(256), 'sub\u0000nul', 'sub\nline']) {
        await assertUnchanged(server, async () => assertError(await link(admin, rita.id, subject), 400, 'VALIDATION_FAILED'), [
          ...TABLES,
        ]);
      }
      assert.equal((await link(admin, rita.id, 'x'.repeat(255))).status, 200, '255 characters are accepted');
    });

    it('refuses a non-admin with FORBIDDEN, and a request without the CSRF token', async () => {
      const sam = await userWithSession(server, 'sam');
      await assertUnchanged(server, async () => assertError(await link(sam.session, sam.id, 'sub-sam'), 403, 'FORBIDDEN'), [
        ...TABLES,
      ]);
      await assertUnchanged(
        server,
        async () =>
          assertError(
            await admin.call(`/api/v1/admin/users/${sam.id}/sso-identity`, {
              method: 'PUT',
              body: { subject: 'sub-sam' },
              headers: { 'x-csrf-token': 'wrong' },
            }),
            403,
            'CSRF_TOKEN_INVALID',
          ),
        [...TABLES],
      );
    });
  });

  describe(`Linking while the provider cannot be reached (${dialect})`, () => {
    let world: SsoWorld;

    before(async () => {
      world = await startSsoWorld(dialect, ACCOUNTS, { providerDown: true });
    });
    after(() => world.sesame.close());

    it('refuses with SSO_UNAVAILABLE and changes nothing', async () => {
      const server = world.sesame;
      const admin = await addAdmin(server, 'admin');
      const wes = await userWithSession(server, 'wes');
      await assertUnchanged(server, async () => assertError(await link(admin, wes.id, 'sub-lina'), 503, 'SSO_UNAVAILABLE'), [
        ...TABLES,
      ]);
      assert.equal((await wes.session.call('/api/v1/me')).status, 200);
    });
  });

  describe(`Linking without single sign-on configured (${dialect})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({ dialect });
    });
    after(() => server.close());

    it('refuses with SSO_NOT_CONFIGURED and changes nothing', async () => {
      const admin = await addAdmin(server, 'admin');
      const tina = await userWithSession(server, 'tina');
      await assertUnchanged(server, async () => assertError(await link(admin, tina.id, 'sub-tina'), 404, 'SSO_NOT_CONFIGURED'), [
        'users',
        'sessions',
        'audit_log',
        'oidc_accounts',
      ]);
      assert.equal((await tina.session.call('/api/v1/me')).status, 200);
    });
  });
}
