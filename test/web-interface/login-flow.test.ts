/**
 * Login Flow v2 end to end in a real browser (Debian chromium): a client
 * starts a flow over HTTP and "opens" its login URL in the browser, as the
 * desktop client and the NC Connector do; the person signs in there — a
 * local account with its TOTP code, and an SSO account through a real
 * OpenID provider, which never types a password at Sésame — sees which
 * client asks, and allows it; the client's poll then receives a password
 * that works on `cloud/user` with Basic. Also refused (in English) and
 * expired, each told plainly. Every screen is checked with axe-core; with
 * SESAME_SCREENSHOTS set, the pictures of docs/clients.md are taken here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { LOGIN_FLOW_LIFETIME_MS } from '../../src/nextcloud/login-flow.js';
import { assertAccessible, ensureWebBuild, launchBrowser, newPage, saveFullPageScreenshot } from '../helpers/browser.js';
import { basic, request } from '../helpers/http.js';
import { ManualClock, addUser, onFreePort, startServer, type TestServer } from '../helpers/server.js';
import { startSsoWorld, type SsoWorld } from '../api/sso-support.js';
import { PASSWORD } from './support.js';

const STEP_MS = 30_000;
const DESKTOP = 'laptop (Desktop Client - Linux)';

interface ClientFlow {
  login: string;
  /** The client's poll, as the desktop client sends it (a form field). */
  poll(): Promise<{ status: number; json: { server?: string; loginName?: string; appPassword?: string } }>;
}

/** What a Nextcloud client does: start a flow, keep its poll token, hand the login URL to the browser. */
async function startClientFlow(serverUrl: string, userAgent = DESKTOP): Promise<ClientFlow> {
  const started = await request(serverUrl, '/index.php/login/v2', {
    method: 'POST',
    headers: { 'user-agent': userAgent, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' },
  });
  assert.equal(started.status, 200, started.text);
  const { poll, login } = started.json as { poll: { token: string; endpoint: string }; login: string };
  assert.ok(login.startsWith(`${serverUrl}/login-flow#`), login);
  return {
    login,
    async poll() {
      const endpoint = new URL(poll.endpoint);
      return request(endpoint.origin, endpoint.pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
        body: `token=${encodeURIComponent(poll.token)}`,
      });
    },
  };
}

/** The password the client received works where a client goes next. */
async function assertWorksOnCloudUser(serverUrl: string, loginName: string, appPassword: string) {
  const reply = await request(serverUrl, '/ocs/v2.php/cloud/user?format=json', {
    headers: { ...basic(loginName, appPassword), 'ocs-apirequest': 'true' },
  });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.json.ocs.data.id, loginName);
  return reply.json.ocs.data as { id: string; email: string | null };
}

describe('web: Login Flow v2, a local account with its second factor', () => {
  let server: TestServer;
  let browser: Browser;
  let totpSecret: string;
  // The server's clock moves by hand: each TOTP code has a time step of its own, and flows can expire.
  const clock = new ManualClock(Date.now());

  before(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([
      onFreePort((port) => startServer({ dialect: 'sqlite', port, clock, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } })),
      launchBrowser(),
    ]);
    const tess = await addUser(server, 'tess', PASSWORD);
    totpSecret = generateTotpSecret();
    await setTotpSecret(server.server.services, tess.id, totpSecret);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  function nextCode(): string {
    clock.advance(STEP_MS);
    return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret) }).generate({ timestamp: clock.now() });
  }

  async function signInWithCode(
    page: Page,
    labels: { username: string; password: string; submit: string; code: string; verify: string },
  ) {
    await page.getByLabel(labels.username, { exact: true }).fill('tess');
    await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: labels.submit }).click();
    await page.getByLabel(labels.code).fill(nextCode());
    await page.getByRole('button', { name: labels.verify }).click();
  }

  it('signs in with the TOTP code, shows the client, allows it: the client gets a working sync password', async () => {
    const client = await startClientFlow(server.url);
    const page = await newPage(browser);
    await page.goto(client.login);
    // Not signed in: the sign-in page first, and the token gone from the address bar.
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    assert.equal(new URL(page.url()).hash, '');
    await signInWithCode(page, {
      username: "Nom d'utilisateur",
      password: 'Mot de passe',
      submit: 'Se connecter',
      code: 'Code de vérification',
      verify: 'Vérifier',
    });

    // Back on the flow's page, which names the client and where it asks from.
    await page.getByRole('heading', { name: 'Connecter un client' }).waitFor();
    await page.getByText(DESKTOP, { exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login-flow');
    await page.getByText('Vous êtes connecté en tant que tess.', { exact: false }).waitFor();
    await page.getByText('Client de synchronisation', { exact: true }).waitFor();
    await page.getByText('127.0.0.1', { exact: true }).waitFor();
    assert.equal((await client.poll()).status, 404);
    await assertAccessible(page, 'the Login Flow page asking for access');
    await saveFullPageScreenshot(page, 'login-flow-ask.png');

    await page.getByRole('button', { name: "Autoriser l'accès" }).click();
    await page.getByRole('heading', { name: 'Client connecté' }).waitFor();
    // Focus moves to the result, so that a screen reader reads it.
    await page.waitForFunction(() => document.activeElement?.textContent === 'Client connecté');
    await page.getByText(`Le client a reçu le mot de passe d'application « ${DESKTOP} ».`, { exact: false }).waitFor();
    await assertAccessible(page, 'the Login Flow page once access is allowed');
    await saveFullPageScreenshot(page, 'login-flow-allowed.png');

    const answer = await client.poll();
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual([answer.json.server, answer.json.loginName], [server.url, 'tess']);
    await assertWorksOnCloudUser(server.url, 'tess', answer.json.appPassword!);
    assert.equal((await client.poll()).status, 404);

    // The new password is listed with the others, where it can be deleted: the link brings its card into focus.
    await page.getByRole('link', { name: "Voir mes mots de passe d'application" }).click();
    await page.waitForFunction((name) => document.activeElement?.textContent?.includes(name) === true, DESKTOP);
    await page.getByText('Client de synchronisation', { exact: false }).first().waitFor();
    // Reloading the flow's page does not offer it again.
    await page.goto(`${server.url}/login-flow`);
    await page.getByRole('heading', { name: 'Demande expirée' }).waitFor();
    await page.context().close();
  });

  it('refused, in English: no password, the client keeps hearing 404', async () => {
    const client = await startClientFlow(server.url, 'NC Connector for Outlook/2.4.1 (Windows 11)');
    const page = await newPage(browser, 'en-US');
    await page.goto(client.login);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signInWithCode(page, {
      username: 'Username',
      password: 'Password',
      submit: 'Sign in',
      code: 'Verification code',
      verify: 'Verify',
    });
    await page.getByRole('heading', { name: 'Connect a client' }).waitFor();
    await page.getByText('Outlook connector', { exact: true }).waitFor();
    await assertAccessible(page, 'the Login Flow page in English');
    await saveFullPageScreenshot(page, 'login-flow-ask-en.png');
    await page.getByRole('button', { name: 'Refuse' }).click();
    await page.getByRole('heading', { name: 'Access refused' }).waitFor();
    await assertAccessible(page, 'the Login Flow page once access is refused');
    assert.equal((await client.poll()).status, 404);
    const passwords = await page.request.get(`${server.url}/api/v1/app-passwords`);
    assert.ok(!JSON.stringify(await passwords.json()).includes('NC Connector'));
    await page.context().close();
  });

  it('tells plainly that an expired request is no longer valid', async () => {
    const client = await startClientFlow(server.url);
    clock.advance(LOGIN_FLOW_LIFETIME_MS);
    const page = await newPage(browser);
    await page.goto(client.login);
    await signInWithCode(page, {
      username: "Nom d'utilisateur",
      password: 'Mot de passe',
      submit: 'Se connecter',
      code: 'Code de vérification',
      verify: 'Vérifier',
    });
    await page.getByRole('heading', { name: 'Demande expirée' }).waitFor();
    await page.getByText('Relancez la connexion depuis le client', { exact: false }).waitFor();
    assert.equal(await page.getByRole('button', { name: "Autoriser l'accès" }).count(), 0);
    await assertAccessible(page, 'the Login Flow page of an expired request');
    await saveFullPageScreenshot(page, 'login-flow-expired.png');
    assert.equal((await client.poll()).status, 404);
    await page.context().close();
  });
});

describe('web: Login Flow v2, an SSO account', () => {
  const LABEL = 'Se connecter avec Entreprise';
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

  it('signs in through the provider and allows the client, which never saw a password typed', async () => {
    const server = world.sesame;
    const client = await startClientFlow(server.url);
    const page = await newPage(browser);
    await page.goto(client.login);
    await page.getByRole('link', { name: LABEL, exact: true }).click();

    // The provider's own pages.
    await page.waitForURL((url) => url.origin === world.provider.issuer);
    await page.locator('input[name="login"]').fill('sub-nina');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back at Sésame, on the flow's page.
    await page.getByRole('heading', { name: 'Connecter un client' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login-flow');
    await page.getByText(DESKTOP, { exact: true }).waitFor();
    await page.getByRole('button', { name: "Autoriser l'accès" }).click();
    await page.getByRole('heading', { name: 'Client connecté' }).waitFor();

    const answer = await client.poll();
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.json.loginName, 'nina');
    const user = await assertWorksOnCloudUser(server.url, 'nina', answer.json.appPassword!);
    assert.equal(user.email, 'nina@example.com');
    await page.context().close();
  });
});
