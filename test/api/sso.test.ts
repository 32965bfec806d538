/**
 * Single sign-on against a real OpenID provider (oidc-provider on loopback),
 * on SQLite and PostgreSQL: the Authorization Code flow with PKCE, state and
 * nonce; accounts provisioned just in time by (issuer, sub) and never linked
 * to a local account by e-mail; the refusals with their stable codes; the
 * admin group; the help page's rule (no primary credentials for an SSO
 * account); logout both ways.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, addUser } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { CookieBrowser, authorizeAtProvider, sessionOf, startSso, visitCallback } from '../helpers/sso-browser.js';
import { signInThroughProvider, startSsoWorld, type SsoWorld } from './sso-support.js';

const ACCOUNTS = {
  'sub-alice': { email: 'alice@example.com', preferredUsername: 'alice' },
};

for (const dialect of DIALECTS) {
  describe(`SSO sign-in (${dialect})`, () => {
    let world: SsoWorld;
    let clock: ManualClock;

    before(async () => {
      clock = new ManualClock(Date.now());
      world = await startSsoWorld(dialect, ACCOUNTS, { clock });
    });
    after(() => world.close());

    it('signs in through the provider and provisions the account just in time', async () => {
      const { landing, browser } = await signInThroughProvider(world, 'sub-alice', new CookieBrowser(), '/settings');
      assert.equal(landing.pathname + landing.search, '/settings');
      const session = await sessionOf(browser, world.sesame.url);
      const me = await session.call('/api/v1/me');
      assert.equal(me.json.user.username, 'alice');
      assert.equal(me.json.user.authSource, 'oidc');
      assert.equal(me.json.signInMethod, 'sso');
      assert.equal(me.json.totpEnabled, false);
    });
  });
}
