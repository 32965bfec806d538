/**
 * The sign-in page's SSO parts and the administrators' SSO page in a real
 * browser: each ?sso_error code the callback may send shown as its own
 * sentence (FR and EN), an unknown one as the generic sentence; the SSO
 * button as a link to the start address carrying the page to return to; the
 * SSO page of a server without SSO, and of one configured for a real
 * OpenID provider on loopback. The sign-in through the provider itself is
 * test/web-interface/sso.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { CLIENT_ID, CLIENT_SECRET } from '../helpers/oidc-provider.js';
import { startSsoWorld, type SsoWorld } from '../api/sso-support.js';
import { assertAccessible, launchBrowser, newPage } from '../helpers/browser.js';
import { addUsers, openSignedIn, startWebServer } from './support.js';

const SSO_ERRORS_FR: Record<string, string> = {
  SSO_LOGIN_EXPIRED: "Cette connexion d'entreprise a expiré ou a déjà servi.",
  SSO_FAILED: "la réponse du service d'identité n'a pas pu être vérifiée",
  SSO_CANCELLED: "La connexion d'entreprise a été annulée ou refusée",
  SSO_DOMAIN_NOT_ALLOWED: "Votre adresse e-mail n'appartient pas à un domaine autorisé",
  SSO_ACCOUNT_DISABLED: 'Votre compte Sésame est désactivé.',
  SSO_NOT_CONFIGURED: "La connexion d'entreprise (SSO) n'est pas configurée",
};

describe('web: SSO on the sign-in page and in the administration', () => {
  let server: TestServer;
  let world: SsoWorld;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    world = await startSsoWorld(
      'sqlite',
      {},
      {
        env: {
          OIDC_LABEL: 'Se connecter avec Microsoft',
          OIDC_ALLOWED_DOMAINS: 'contoso.fr,contoso.com',
          OIDC_ADMIN_GROUP: 'sesame-admins',
        },
      },
    );
    await addUsers(server, 'admin3');
    await addUsers(world.sesame, 'admin4');
  });
  after(async () => {
    await browser?.close();
    await world?.close();
    await server?.close();
  });

  it('says why an SSO sign-in failed for each code the callback sends, and a generic sentence for any other', async () => {
    const page = await newPage(browser);
    for (const [code, sentence] of Object.entries(SSO_ERRORS_FR)) {
      await page.goto(`${server.url}/signin?sso_error=${code}`);
      await page.getByRole('alert').getByText(sentence).waitFor();
    }
    await assertAccessible(page, 'the sign-in page with an SSO error');
    for (const code of ['SOMETHING_ELSE', 'signIn.title', '__proto__']) {
      await page.goto(`${server.url}/signin?sso_error=${encodeURIComponent(code)}`);
      await page.getByRole('alert').getByText("La connexion d'entreprise n'a pas abouti. Recommencez").waitFor();
    }
    await page.goto(`${server.url}/signin`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    await page.context().close();

    const english = await newPage(browser, 'en-US');
    await english.goto(`${server.url}/signin?sso_error=SSO_DOMAIN_NOT_ALLOWED`);
    await english.getByRole('alert').getByText('Your e-mail address is not in a domain allowed on this Sésame.').waitFor();
    await english.context().close();
  });

  it('shows no SSO button while SSO is not configured', async () => {
    const page = await newPage(browser);
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/v1/sso'));
    await page.goto(`${server.url}/signin`);
    assert.deepEqual(await (await answer).json(), { enabled: false, label: null, startUrl: null });
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    assert.equal(await page.getByRole('link').count(), 0);
    await page.context().close();
  });

  it('offers the SSO button named by its label, leading to the start address with the page to return to', async () => {
    const page = await newPage(browser);
    await page.goto(`${world.sesame.url}/settings/connections/recent`);
    const button = page.getByRole('link', { name: 'Se connecter avec Microsoft', exact: true });
    await button.waitFor();
    assert.equal(await button.getAttribute('href'), '/auth/oidc/start?returnTo=%2Fsettings%2Fconnections%2Frecent');
    await assertAccessible(page, 'the sign-in page with the SSO button');
    await page.goto(`${world.sesame.url}/signin`);
    assert.equal(await button.getAttribute('href'), '/auth/oidc/start');
    await page.context().close();
  });

  it('shows an administrator that SSO is not configured, and where it is explained', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'admin3', '/admin/users');
    await page.getByRole('navigation', { name: "Menu d'administration" }).getByRole('link', { name: 'SSO' }).click();
    await page.getByRole('heading', { name: 'SSO non configuré' }).waitFor();
    assert.match(page.url(), /\/admin\/sso$/);
    const docs = page.getByRole('link', { name: /La documentation de la connexion d'entreprise/ });
    assert.equal(await docs.getAttribute('href'), '/docs/sso.md');
    await assertAccessible(page, 'the SSO page, unconfigured');
    await page.context().close();
  });

  it('shows an administrator the SSO configuration read only, with the redirect URI to copy and never the secret', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, world.sesame, 'admin4', '/admin/sso');
    // The server shows the issuer as it parsed it (URL.href).
    await page.getByText(new URL(world.provider.issuer).href, { exact: true }).waitFor();
    for (const text of [
      CLIENT_ID,
      'Se connecter avec Microsoft',
      'contoso.fr, contoso.com',
      'sesame-admins',
      'toutes les 15 minutes',
      'jamais',
    ]) {
      await page.getByText(text, { exact: true }).waitFor();
    }
    const callback = `${world.sesame.url}/auth/oidc/callback`;
    assert.equal(await page.getByLabel('URI de redirection à déclarer chez le fournisseur').inputValue(), callback);
    await page.getByRole('button', { name: "Copier l'URI de redirection" }).click();
    await page.getByText('URI de redirection copiée').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), callback);
    assert.ok(!(await page.content()).includes(CLIENT_SECRET), 'the client secret is nowhere in the page');
    await assertAccessible(page, 'the SSO page, configured');
    await page.context().close();
  });
});
