/**
 * App passwords die with the enterprise account, on SQLite and PostgreSQL,
 * against a real OpenID provider: the background re-check refreshes each SSO
 * account that holds app passwords; a provider that revokes the grant or
 * deletes the user gets the account disabled (session ended, app password
 * refused at the next request); a provider that is down disables nothing;
 * two nodes on one database never refresh an account twice; an account an
 * administrator enables again is disabled again at the next re-check while
 * the provider still refuses it, and kept once the provider restored it; a
 * back-channel logout from the provider ends the sessions at once; a
 * provider down at start-up does not stop local accounts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { request, signIn, type Session } from '../helpers/http.js';
import { CLIENT_ID } from '../helpers/oidc-provider.js';
import { CookieBrowser, sessionOf, startSso } from '../helpers/sso-browser.js';
import { RECHECK_LEASE_MS, recheckDueAccounts, type RecheckReport } from '../../src/oidc/recheck.js';
import { PASSWORD, addAdmin, assertError, assertUniform401, createPassword, forwardAuth } from './support.js';
import { oidcEnv, signInThroughProvider, startSsoWorld, type SsoWorld } from './sso-support.js';

const INTERVAL_MS = 15 * 60_000;
const ACCOUNTS = Object.fromEntries(
  ['ana', 'ben', 'cyd', 'dan', 'eli', 'fay', 'gus', 'hal', 'ivy', 'jo'].map((name) => [
    `sub-${name}`,
    { email: `${name}@example.com`, preferredUsername: name },
  ]),
);

function recheck(server: TestServer): Promise<RecheckReport> {
  const services = server.server.services;
  return recheckDueAccounts(services, services.oidc!, () => {});
}

/** An SSO account signed in through the provider, with a session and an app password for /dav/. */
async function ssoUserWithAppPassword(world: SsoWorld, name: string): Promise<{ session: Session; secret: string }> {
  const session = await sessionOf((await signInThroughProvider(world, `sub-${name}`)).browser, world.sesame.url);
  const { secret } = await createPassword(session, { name: 'Mon WebDAV', application: 'webdav' });
  assert.equal((await forwardAuth(world.sesame, 'webdav', name, secret)).status, 204);
  return { session, secret };
}

async function sidOf(server: TestServer, username: string): Promise<string> {
  const row = await server.server.services.db
    .selectFrom('oidc_sessions')
    .innerJoin('users', 'users.id', 'oidc_sessions.user_id')
    .select('oidc_sessions.sid')
    .where('users.username', '=', username)
    .executeTakeFirstOrThrow();
  assert.ok(row.sid, 'the provider gave a session id');
  return row.sid;
}

for (const dialect of DIALECTS) {
  describe(`SSO re-check and back-channel logout (${dialect})`, () => {
    let world: SsoWorld;
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;

    before(async () => {
      clock = new ManualClock(Date.now());
      world = await startSsoWorld(dialect, ACCOUNTS, { clock });
      server = world.sesame;
      admin = await addAdmin(server, 'admin');
    });
    after(() => world.close());

    it('re-checks an account only once the interval has passed, and keeps it when the provider confirms it', async () => {
      const ana = await ssoUserWithAppPassword(world, 'ana');
      const before = world.provider.refreshRequests();
      assert.deepEqual(await recheck(server), { confirmed: 0, disabled: 0, unreachable: 0 }, 'not due yet');
      clock.advance(INTERVAL_MS + 1_000);
      const report = await recheck(server);
      assert.ok(report.confirmed >= 1 && report.disabled === 0, JSON.stringify(report));
      assert.equal(world.provider.refreshRequests() - before, report.confirmed);
      assert.equal((await forwardAuth(server, 'webdav', 'ana', ana.secret)).status, 204);
      assert.equal((await ana.session.call('/api/v1/me')).status, 200);
      const settings = await admin.call('/api/v1/admin/sso');
      assert.equal(settings.json.lastRecheckAt, clock.now());
    });

    it('leaves alone an SSO account without app passwords', async () => {
      await sessionOf((await signInThroughProvider(world, 'sub-ben')).browser, server.url);
      clock.advance(INTERVAL_MS + 1_000);
      const before = world.provider.refreshRequests();
      const report = await recheck(server);
      assert.equal(world.provider.refreshRequests() - before, report.confirmed);
      const ben = await server.server.services.db
        .selectFrom('oidc_accounts')
        .innerJoin('users', 'users.id', 'oidc_accounts.user_id')
        .select('oidc_accounts.last_checked_at')
        .where('users.username', '=', 'ben')
        .executeTakeFirstOrThrow();
      assert.ok(ben.last_checked_at! < clock.now() - INTERVAL_MS, 'ben was not refreshed');
    });

    it('disables the account when the provider revokes the grant: session ended, app password refused at the next request', async () => {
      const cyd = await ssoUserWithAppPassword(world, 'cyd');
      await world.provider.revokeGrants('sub-cyd');
      clock.advance(INTERVAL_MS + 1_000);
      const report = await recheck(server);
      assert.ok(report.disabled >= 1, JSON.stringify(report));
      assertUniform401(await forwardAuth(server, 'webdav', 'cyd', cyd.secret));
      assertError(await cyd.session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
      const audit = await admin.call('/api/v1/admin/audit?action=user.disabled&user=cyd');
      assert.equal(audit.json.entries[0]?.details.reason, 'sso-refresh-refused', audit.text);
      const again = await signInThroughProvider(world, 'sub-cyd');
      assert.equal(again.landing.href, `${server.url}/signin?sso_error=SSO_ACCOUNT_DISABLED`);
    });

    it('disables the account when the provider deletes the user', async () => {
      const dan = await ssoUserWithAppPassword(world, 'dan');
      world.provider.accounts.delete('sub-dan');
      clock.advance(INTERVAL_MS + 1_000);
      await recheck(server);
      assertUniform401(await forwardAuth(server, 'webdav', 'dan', dan.secret));
      assertError(await dan.session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
    });

    it('disables nothing while the provider is down, and confirms the account once it is back', async () => {
      const eli = await ssoUserWithAppPassword(world, 'eli');
      clock.advance(INTERVAL_MS + 1_000);
      await world.provider.stop();
      let report: RecheckReport;
      try {
        report = await recheck(server);
      } finally {
        await world.provider.start();
      }
      assert.equal(report.disabled, 0);
      assert.ok(report.unreachable >= 1, JSON.stringify(report));
      assert.equal((await forwardAuth(server, 'webdav', 'eli', eli.secret)).status, 204);
      const after = await recheck(server);
      assert.ok(after.confirmed >= 1 && after.disabled === 0, JSON.stringify(after));
      assert.equal((await forwardAuth(server, 'webdav', 'eli', eli.secret)).status, 204);
    });

    it('ends the sessions at once on a back-channel logout from the provider', async () => {
      const fay = await ssoUserWithAppPassword(world, 'fay');
      const other = await sessionOf((await signInThroughProvider(world, 'sub-gus')).browser, server.url);
      await world.provider.sendBackchannelLogout('sub-fay', await sidOf(server, 'fay'));
      assertError(await fay.session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
      assert.equal((await other.call('/api/v1/me')).status, 200, 'another account keeps its session');
      const audit = await admin.call('/api/v1/admin/audit?action=session.ended-by-provider&user=fay');
      assert.equal(audit.json.entries.length, 1, audit.text);
    });

    it('refuses a logout token that is not the provider’s, or not a logout token, and ends nothing', async () => {
      const hal = await sessionOf((await signInThroughProvider(world, 'sub-hal')).browser, server.url);
      const sid = await sidOf(server, 'hal');
      const { privateKey } = await generateKeyPair('RS256');
      const claims = {
        sub: 'sub-hal',
        sid,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      };
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'logout+jwt' })
        .setIssuer(world.provider.issuer)
        .setAudience(CLIENT_ID)
        .setIssuedAt()
        .setJti('forged-1')
        .sign(privateKey);
      for (const token of [forged, 'not-a-jwt']) {
        const reply = await request(server.url, '/auth/oidc/backchannel-logout', {
          method: 'POST',
          body: new URLSearchParams({ logout_token: token }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assertError(reply, 400, 'LOGOUT_TOKEN_INVALID');
      }
      const missing = await request(server.url, '/auth/oidc/backchannel-logout', {
        method: 'POST',
        body: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(missing.status, 400);
      assert.equal((await hal.call('/api/v1/me')).status, 200, 'the session is still open');
    });

    it('shares the re-check between two nodes on one database without refreshing an account twice', async () => {
      const secondNode = await startServer({
        dialect,
        clock,
        secretKeyHex: server.secretKeyHex,
        allowLoopbackHttpIssuer: true,
        env: oidcEnv(world.provider, server.url),
        ...(dialect === 'postgres' ? { databaseUrl: server.databaseUrl! } : { dataDir: server.dataDir }),
      });
      try {
        for (const name of ['gus', 'hal', 'ivy']) await ssoUserWithAppPassword(world, name);
        clock.advance(INTERVAL_MS + 1_000);
        // Every enabled SSO account holding an app password in force is due once.
        const due = await server.server.services.db
          .selectFrom('oidc_accounts')
          .innerJoin('users', 'users.id', 'oidc_accounts.user_id')
          .innerJoin('app_passwords', 'app_passwords.user_id', 'users.id')
          .select('users.id')
          .distinct()
          .where('users.disabled_at', 'is', null)
          .where('app_passwords.revoked_at', 'is', null)
          .execute();
        assert.ok(due.length >= 3);
        const before = world.provider.refreshRequests();
        const [one, two] = await Promise.all([recheck(server), recheck(secondNode)]);
        assert.equal(world.provider.refreshRequests() - before, due.length, 'one refresh per account');
        assert.equal(one.confirmed + two.confirmed, due.length);
        const refreshed = due.length;
        const [again1, again2] = await Promise.all([recheck(server), recheck(secondNode)]);
        assert.equal(world.provider.refreshRequests() - before, refreshed, 'a confirmed account is not due again');
        assert.deepEqual([again1.confirmed, again2.confirmed], [0, 0]);
      } finally {
        await secondNode.close();
      }
    });

    it('disables again at the next re-check an account enabled while the provider still refuses it, and keeps it once the provider restored it', async () => {
      const jo = await ssoUserWithAppPassword(world, 'jo');
      const atProvider = world.provider.accounts.get('sub-jo')!;
      world.provider.accounts.delete('sub-jo');
      clock.advance(INTERVAL_MS + 1_000);
      await recheck(server);
      assertUniform401(await forwardAuth(server, 'webdav', 'jo', jo.secret));
      const users = (await admin.call('/api/v1/admin/users')).json.users as Array<{ id: string; username: string }>;
      const joId = users.find((u) => u.username === 'jo')!.id;
      const enable = () => admin.call(`/api/v1/admin/users/${joId}/enable`, { method: 'POST' });

      assert.equal((await enable()).status, 200);
      assert.equal((await forwardAuth(server, 'webdav', 'jo', jo.secret)).status, 204, 'works again until the re-check');
      clock.advance(RECHECK_LEASE_MS + 1_000);
      const refused = await recheck(server);
      assert.ok(refused.disabled >= 1, JSON.stringify(refused));
      assertUniform401(await forwardAuth(server, 'webdav', 'jo', jo.secret));
      const disabled = await admin.call('/api/v1/admin/audit?action=user.disabled&user=jo');
      assert.deepEqual(
        disabled.json.entries.map((e: { details: { reason: string } }) => e.details.reason),
        ['sso-refresh-refused', 'sso-refresh-refused'],
      );

      world.provider.accounts.set('sub-jo', atProvider);
      assert.equal((await enable()).status, 200);
      clock.advance(RECHECK_LEASE_MS + 1_000);
      const confirmed = await recheck(server);
      assert.ok(confirmed.confirmed >= 1 && confirmed.disabled === 0, JSON.stringify(confirmed));
      assert.equal((await forwardAuth(server, 'webdav', 'jo', jo.secret)).status, 204);
      const enabled = await admin.call('/api/v1/admin/audit?action=user.enabled&user=jo');
      assert.equal(enabled.json.entries.length, 2, enabled.text);
      assert.equal(enabled.json.entries[0].actor, 'admin');
    });
  });

  describe(`SSO with the provider down at start-up (${dialect})`, () => {
    let world: SsoWorld;
    let clock: ManualClock;
    let late: TestServer;

    before(async () => {
      clock = new ManualClock(Date.now());
      world = await startSsoWorld(dialect, {}, { clock });
      await world.provider.stop();
      late = await startServer({
        dialect,
        clock,
        allowLoopbackHttpIssuer: true,
        env: oidcEnv(world.provider, world.sesame.url),
      });
      await addUser(late, 'local', PASSWORD);
    });
    after(async () => {
      await late.close();
      await world.close();
    });

    it('serves local accounts, answers SSO_FAILED to a sign-in, then reaches the provider once it is up', async () => {
      assert.equal((await request(late.url, '/api/v1/sso')).json.enabled, true);
      await signIn(late.url, 'local', PASSWORD);
      const refused = await new CookieBrowser().fetch(new URL('/auth/oidc/start', late.url));
      assert.equal(refused.status, 303);
      assert.equal(refused.headers.location, '/signin?sso_error=SSO_FAILED');
      await world.provider.start();
      clock.advance(10_000);
      const authorizationUrl = await startSso(new CookieBrowser(), late.url);
      assert.equal(authorizationUrl.origin, world.provider.issuer);
    });
  });
}
