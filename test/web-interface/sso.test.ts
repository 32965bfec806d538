/**
 * Single sign-on end to end in a real browser (Debian chromium) against a
 * real OpenID provider (oidc-provider on loopback), in French: the sign-in
 * page's SSO button → the provider's login and consent pages → back in
 * Sésame with a new account → an app password created through the UI →
 * that password used over Basic by a WebDAV request → sign-out through the
 * provider's logout page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { basic } from '../helpers/http.js';
import { assertAccessible, ensureWebBuild, launchBrowser, newPage } from '../helpers/browser.js';
import { startSsoWorld, type SsoWorld } from '../api/sso-support.js';

const LABEL = 'Se connecter avec Entreprise';

describe('web: single sign-on through an OpenID provider', () => {
  let world: SsoWorld;
  let browser: Browser;

  before(async () => {
    await ensureWebBuild();
    [world, browser] = await Promise.all([
      startSsoWorld(
        'sqlite',
        { 'sub-nina': { email: 'nina@example.com', preferredUsername: 'nina' } },
        { env: { OIDC_LABEL: LABEL } },
      ),
      launchBrowser(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  it('signs in with the SSO button, creates an app password and uses it over Basic', async () => {
    const server = world.sesame;
    const page = await newPage(browser);
    await page.goto(`${server.url}/settings`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    const button = page.getByRole('link', { name: LABEL, exact: true });
    assert.match((await button.getAttribute('href')) ?? '', /^\/auth\/oidc\/start(\?|$)/);
    await assertAccessible(page, 'the sign-in page with its SSO button');
    await button.click();

    // The provider's own pages: login, then consent to the scopes (offline access included).
    await page.waitForURL((url) => url.origin === world.provider.issuer);
    await page.locator('input[name="login"]').fill('sub-nina');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back in Sésame, signed in to a new SSO account, on the page asked for.
    const avatar = page.getByRole('button', { name: 'Compte de nina' });
    await avatar.waitFor();
    assert.equal(new URL(page.url()).origin, server.url);
    assert.match(new URL(page.url()).pathname, /^\/settings/);

    await avatar.click();
    await page.getByRole('menuitem', { name: 'Paramètres' }).click();
    await page.getByRole('navigation', { name: 'Menu des paramètres' }).getByRole('link', { name: 'Connexions' }).click();
    await page.getByRole('tab', { name: "Mot de passe d'application" }).click();
    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await dialog.getByLabel('Nom de la connexion').fill('Mon WebDAV');
    await dialog.getByRole('button', { name: 'Générer' }).click();
    const secretField = dialog.getByLabel('Mot de passe', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.equal([...secret].length, 24);
    await dialog.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await dialog.getByRole('button', { name: 'Terminer' }).click();
    await dialog.waitFor({ state: 'detached' });

    // A WebDAV client with the app password: the only way in for an SSO account.
    const propfind = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { ...basic('nina', secret), depth: '0' } });
    assert.equal(propfind.status, 207);

    // Signing out ends the session here and sends the browser to the provider's logout page.
    await page.getByRole('button', { name: 'Compte de nina' }).click();
    await page.getByRole('menuitem', { name: 'Se déconnecter' }).click();
    await page.waitForURL((url) => url.origin === world.provider.issuer);
    const me = await page.request.get(`${server.url}/api/v1/me`);
    assert.equal(me.status(), 401);
    await page.context().close();
  });
});
