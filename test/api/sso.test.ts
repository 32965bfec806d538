/**
 * Single sign-on against a real OpenID provider (oidc-provider on loopback),
 * on SQLite and PostgreSQL: the Authorization Code flow with PKCE, state and
 * nonce; accounts provisioned just in time by (issuer, sub) and never linked
 * to a local account by e-mail; the refusals with their stable codes; the
 * admin group; the help page's rule (no primary credentials for an SSO
 * account, app passwords instead); RP-initiated logout.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DIALECTS, ManualClock, addUser, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type Session } from '../helpers/http.js';
import { CLIENT_SECRET, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { CookieBrowser, authorizeAtProvider, sessionOf, startSso, visitCallback } from '../helpers/sso-browser.js';
import {
  PASSWORD,
  addAdmin,
  assertError,
  assertUnchanged,
  assertUniform401,
  countRows,
  createPassword,
  forwardAuth,
  updatePolicyAs,
} from './support.js';
import { signInThroughProvider, startSsoWorld, type SsoWorld } from './sso-support.js';

const ACCOUNTS = {
  'sub-alice': { email: 'alice@example.com', preferredUsername: 'alice' },
  'sub-bob': { email: 'bob@example.com' },
  'sub-carol': { email: 'carol@example.com', preferredUsername: 'carol' },
  'sub-dave': { email: 'dave@example.com', preferredUsername: 'dave' },
  'sub-erin': { email: 'erin@example.com', preferredUsername: 'erin' },
  'sub-mallory': { email: 'mallory@elsewhere.test', preferredUsername: 'mallory' },
  'sub-eve': { email: 'eve@example.com', emailVerified: false, preferredUsername: 'eve' },
  'sub-root': { email: 'root@example.com', preferredUsername: 'chief', groups: ['staff', 'sesame-admins'] },
};
const ENV = { OIDC_ALLOWED_DOMAINS: 'example.com', OIDC_ADMIN_GROUP: 'sesame-admins', OIDC_LABEL: 'Se connecter avec Test' };

function ssoError(landing: URL): string | null {
  assert.equal(landing.pathname, '/signin', `landed on ${landing.href}`);
  return landing.searchParams.get('sso_error');
}

for (const dialect of DIALECTS) {
  describe(`SSO sign-in (${dialect})`, () => {
    let world: SsoWorld;
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;
    let log = '';
    const logStream = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    const callbackPrefix = () => `${server.url}/auth/oidc/callback`;

    before(async () => {
      clock = new ManualClock(Date.now());
      world = await startSsoWorld(dialect, ACCOUNTS, { clock, env: ENV, logStream });
      server = world.sesame;
      admin = await addAdmin(server, 'admin');
    });
    after(() => world.close());

    it('signs in through the provider, provisions the account just in time and lands on returnTo', async () => {
      const usersBefore = await countRows(server, 'users');
      const { landing, browser } = await signInThroughProvider(world, 'sub-alice', new CookieBrowser(), '/settings?tab=1');
      assert.equal(landing.pathname + landing.search, '/settings?tab=1');
      assert.equal(await countRows(server, 'users'), usersBefore + 1);
      const me = await (await sessionOf(browser, server.url)).call('/api/v1/me');
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json.user.username, 'alice');
      assert.equal(me.json.user.authSource, 'oidc');
      assert.equal(me.json.user.role, 'user');
      assert.equal(me.json.signInMethod, 'sso');
      assert.equal(me.json.totpEnabled, false);
      const audit = await admin.call('/api/v1/admin/audit?action=user.sso-provisioned');
      assert.ok(
        audit.json.entries.some((entry: { target: string }) => entry.target === 'alice'),
        audit.text,
      );
    });

    it('asks the provider for PKCE, state, nonce and offline access, and sets the session cookie HttpOnly', async () => {
      const browser = new CookieBrowser();
      const authorizationUrl = await startSso(browser, server.url);
      const params = authorizationUrl.searchParams;
      assert.equal(authorizationUrl.origin, world.provider.issuer);
      assert.equal(params.get('code_challenge_method'), 'S256');
      assert.ok((params.get('code_challenge') ?? '').length >= 43);
      assert.ok((params.get('state') ?? '').length >= 22);
      assert.ok((params.get('nonce') ?? '').length >= 22);
      assert.equal(params.get('scope'), 'openid email profile offline_access');
      assert.equal(params.get('redirect_uri'), `${server.url}/auth/oidc/callback`);
      const callback = await authorizeAtProvider(browser, authorizationUrl, 'sub-alice', callbackPrefix());
      const reply = await browser.fetch(new URL(callback.pathname + callback.search, server.url));
      assert.equal(reply.status, 303);
      assert.equal(reply.headers.location, '/');
      const sessionCookie = (reply.headers['set-cookie'] ?? []).find((line) => line.startsWith('sesame_session='));
      assert.ok(sessionCookie, 'the session cookie is set');
      assert.match(sessionCookie, /HttpOnly/i);
      assert.match(sessionCookie, /SameSite=Lax/i);
    });

    it('reuses the account at the next sign-in', async () => {
      const first = await sessionOf((await signInThroughProvider(world, 'sub-carol')).browser, server.url);
      const usersBefore = await countRows(server, 'users');
      const second = await sessionOf((await signInThroughProvider(world, 'sub-carol')).browser, server.url);
      assert.equal(await countRows(server, 'users'), usersBefore);
      const [one, two] = await Promise.all([first.call('/api/v1/me'), second.call('/api/v1/me')]);
      assert.equal(one.json.user.id, two.json.user.id);
      assert.equal(two.json.user.username, 'carol');
    });

    it('shows the SSO sign-in in recent connections', async () => {
      const session = await sessionOf((await signInThroughProvider(world, 'sub-carol')).browser, server.url);
      const connections = await session.call('/api/v1/connections');
      assert.equal(connections.status, 200, connections.text);
      assert.ok(
        connections.json.connections.some(
          (row: { method: string; outcome: string }) => row.method === 'sso' && row.outcome === 'success',
        ),
        connections.text,
      );
    });

    it('never links a local account that has the same e-mail: the SSO account is a new one', async () => {
      const local = await addUser(server, 'bob@example.com', PASSWORD);
      const { browser } = await signInThroughProvider(world, 'sub-bob');
      const me = await (await sessionOf(browser, server.url)).call('/api/v1/me');
      assert.notEqual(me.json.user.id, local.id);
      assert.match(me.json.user.username, /^bob@example\.com-[0-9]{6}$/);
      assert.equal(me.json.user.authSource, 'oidc');
      const localSession = await signIn(server.url, 'bob@example.com', PASSWORD);
      assert.equal((await localSession.call('/api/v1/me')).json.user.id, local.id, 'the local account still signs in as itself');
    });

    it('refuses a callback whose state is not the one it issued, with SSO_LOGIN_EXPIRED', async () => {
      const browser = new CookieBrowser();
      const callback = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix());
      callback.searchParams.set('state', 'forged-state-value-0123456789');
      const landing = await assertUnchanged(server, () => visitCallback(browser, callback, server.url), ['users', 'sessions']);
      assert.equal(ssoError(landing), 'SSO_LOGIN_EXPIRED');
    });

    it('refuses to finish in another browser than the one that started (login CSRF)', async () => {
      const browser = new CookieBrowser();
      const callback = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix());
      const landing = await visitCallback(new CookieBrowser(), callback, server.url);
      assert.equal(ssoError(landing), 'SSO_LOGIN_EXPIRED');
    });

    it('refuses a login state older than ten minutes, with SSO_LOGIN_EXPIRED', async () => {
      const browser = new CookieBrowser();
      const callback = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix());
      clock.advance(10 * 60_000 + 1_000);
      assert.equal(ssoError(await visitCallback(browser, callback, server.url)), 'SSO_LOGIN_EXPIRED');
    });

    it('takes a login state once: the same callback again gets SSO_LOGIN_EXPIRED', async () => {
      const browser = new CookieBrowser();
      const authorizationUrl = await startSso(browser, server.url);
      const state = browser.cookie(server.url, 'sesame_sso_state')!;
      const callback = await authorizeAtProvider(browser, authorizationUrl, 'sub-dave', callbackPrefix());
      assert.equal((await visitCallback(browser, callback, server.url)).pathname, '/');
      const replay = await request(server.url, callback.pathname + callback.search, {
        headers: { cookie: `sesame_sso_state=${state}` },
      });
      assert.equal(replay.status, 303);
      assert.equal(replay.headers.location, '/signin?sso_error=SSO_LOGIN_EXPIRED');
    });

    it('refuses a replayed authorization code under a fresh state, with SSO_FAILED', async () => {
      const browser = new CookieBrowser();
      const used = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix());
      assert.equal((await visitCallback(browser, used, server.url)).pathname, '/');
      const fresh = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix());
      const replayed = new URL(fresh);
      replayed.searchParams.set('code', used.searchParams.get('code')!);
      const landing = await assertUnchanged(server, () => visitCallback(browser, replayed, server.url), ['users']);
      assert.equal(ssoError(landing), 'SSO_FAILED');
    });

    it('refuses an answer from another provider (another issuer), with SSO_FAILED', async () => {
      const other: TestProvider = await startTestProvider({ sesameUrl: server.url, accounts: ACCOUNTS });
      try {
        const browser = new CookieBrowser();
        const authorizationUrl = await startSso(browser, server.url);
        const elsewhere = new URL(authorizationUrl.pathname + authorizationUrl.search, other.issuer);
        const callback = await authorizeAtProvider(browser, elsewhere, 'sub-erin', callbackPrefix());
        assert.equal(callback.searchParams.get('iss'), other.issuer);
        const usersBefore = await countRows(server, 'users');
        assert.equal(ssoError(await visitCallback(browser, callback, server.url)), 'SSO_FAILED');
        assert.equal(await countRows(server, 'users'), usersBefore, 'nobody was provisioned');
      } finally {
        await other.close();
      }
    });

    it('refuses an e-mail outside the allowed domains, and an unverified one, with SSO_DOMAIN_NOT_ALLOWED', async () => {
      const usersBefore = await countRows(server, 'users');
      assert.equal(ssoError((await signInThroughProvider(world, 'sub-mallory')).landing), 'SSO_DOMAIN_NOT_ALLOWED');
      assert.equal(ssoError((await signInThroughProvider(world, 'sub-eve')).landing), 'SSO_DOMAIN_NOT_ALLOWED');
      assert.equal(await countRows(server, 'users'), usersBefore);
    });

    it('reports a sign-in cancelled at the provider as SSO_CANCELLED', async () => {
      const browser = new CookieBrowser();
      const callback = await authorizeAtProvider(browser, await startSso(browser, server.url), 'sub-dave', callbackPrefix(), {
        cancel: true,
      });
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(ssoError(await visitCallback(browser, callback, server.url)), 'SSO_CANCELLED');
    });

    it('ignores a returnTo that leaves the site', async () => {
      for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
        const { landing } = await signInThroughProvider(world, 'sub-carol', new CookieBrowser(), returnTo);
        assert.equal(landing.href, `${server.url}/`, returnTo);
      }
    });

    it('lands on a returnTo holding characters outside ASCII, percent-encoded, signed in', async () => {
      const { landing, browser } = await signInThroughProvider(world, 'sub-carol', new CookieBrowser(), '/dossiers/été\u2028€');
      assert.equal(landing.href, `${server.url}/dossiers/%C3%A9t%C3%A9%E2%80%A8%E2%82%AC`);
      assert.equal((await browser.fetch(new URL('/api/v1/me', server.url))).status, 200);
    });

    it('makes members of the admin group administrators, and takes it back when they leave the group', async () => {
      const root = await sessionOf((await signInThroughProvider(world, 'sub-root')).browser, server.url);
      const me = await root.call('/api/v1/me');
      assert.equal(me.json.user.username, 'chief');
      assert.equal(me.json.user.role, 'admin');
      assert.equal((await root.call('/api/v1/admin/sso')).status, 200);
      world.provider.accounts.get('sub-root')!.groups = ['staff'];
      const again = await sessionOf((await signInThroughProvider(world, 'sub-root')).browser, server.url);
      assert.equal((await again.call('/api/v1/me')).json.user.role, 'user');
      assertError(await again.call('/api/v1/admin/sso'), 403, 'FORBIDDEN');
      const audit = await admin.call('/api/v1/admin/audit?action=user.role-changed');
      assert.ok(
        audit.json.entries.some((entry: { target: string }) => entry.target === 'chief'),
        audit.text,
      );
    });

    it('never lets an SSO account sign in, change a password or use Basic with primary credentials', async () => {
      const session = await sessionOf((await signInThroughProvider(world, 'sub-alice')).browser, server.url);
      assertError(
        await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'alice', password: '' } }),
        401,
        'INVALID_CREDENTIALS',
      );
      assertError(
        await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'alice', password: PASSWORD } }),
        401,
        'INVALID_CREDENTIALS',
      );
      assertError(
        await session.call('/api/v1/me/password', {
          method: 'PUT',
          body: { currentPassword: '', newPassword: 'new password 1' },
        }),
        409,
        'PASSWORD_NOT_LOCAL',
      );
      await updatePolicyAs(admin, { allowPrimaryPasswordOverBasic: true });
      try {
        assertUniform401(await forwardAuth(server, 'webdav', 'alice', ''));
        assertUniform401(await request(server.url, '/api/v1/me', { headers: basic('alice', PASSWORD) }));
      } finally {
        await updatePolicyAs(admin, { allowPrimaryPasswordOverBasic: false });
      }
    });

    it('gives an SSO account app passwords that work over Basic', async () => {
      const session = await sessionOf((await signInThroughProvider(world, 'sub-alice')).browser, server.url);
      const password = await createPassword(session, { name: 'Mon WebDAV', application: 'webdav' });
      assert.equal((await forwardAuth(server, 'webdav', 'alice', password.secret)).status, 204);
    });

    it('ends the session and hands over the provider logout URL (RP-initiated logout)', async () => {
      const session = await sessionOf((await signInThroughProvider(world, 'sub-alice')).browser, server.url);
      const reply = await session.call('/api/v1/session', { method: 'DELETE' });
      assert.equal(reply.status, 200, reply.text);
      const logoutUrl = new URL(reply.json.logoutUrl);
      assert.equal(logoutUrl.origin, world.provider.issuer);
      assert.ok(logoutUrl.searchParams.get('id_token_hint'), 'the ID token is the hint');
      assert.equal(logoutUrl.searchParams.get('post_logout_redirect_uri'), `${server.url}/signin`);
      assertError(await session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
    });

    it('signs a local account out with 204 and no provider URL', async () => {
      const local = await signIn(server.url, 'admin', PASSWORD);
      const reply = await local.call('/api/v1/session', { method: 'DELETE' });
      assert.equal(reply.status, 204, reply.text);
    });

    it('never writes the client secret, authorization codes, tokens or login states in its logs', () => {
      assert.ok(log.includes('single sign-on failed'), 'the failures above were logged');
      const issued = world.provider.issuedSecrets();
      assert.ok(issued.length > 10, 'the provider issued codes and tokens');
      assert.ok(!log.includes(CLIENT_SECRET), 'the client secret is not logged');
      for (const secret of issued) assert.ok(!log.includes(secret), 'an issued code or token is logged');
      assert.ok(!/eyJ[\w-]{10,}\.eyJ/.test(log), 'a JWT (ID token) is logged');
      assert.ok(!/[?&](code|state)=/.test(log), 'a callback query is logged');
    });
  });
}
