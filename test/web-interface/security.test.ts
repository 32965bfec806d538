/**
 * Paramètres → Sécurité in a real browser (Debian chromium), in French:
 * changing the password; two-factor authentication, turning it on from Paramètres → Sécurité with the code the test computes
 * from the key shown on screen, the recovery codes shown once, signing in
 * with password then code or recovery code (each recovery code once),
 * regenerating the codes, turning it off; the policy "required" holding a
 * user to enrolment; an SSO account without password or 2FA controls.
 * Every new screen is checked with axe-core.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { insertUserIfNameFree } from '../../src/repositories/users.js';
import { openSession } from '../api/support.js';
import { request } from '../helpers/http.js';
import { addUser, ManualClock, type TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage, saveFullPageScreenshot, screenshotPath } from '../helpers/browser.js';
import { addUsers, openSignedIn, PASSWORD, signInHere, startWebServer, accountButton } from './support.js';

const STEP_MS = 30_000;

describe('web: Sécurité, two-factor authentication and the code step', () => {
  let server: TestServer;
  let browser: Browser;
  // The server's clock moves by hand, so that each code belongs to a time step of its own.
  const clock = new ManualClock(Date.now());
  before(async () => {
    [server, browser] = await Promise.all([startWebServer({ clock }), launchBrowser()]);
    await addUsers(server, 'hana', 'admin2', 'jules', 'lena');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The code an authenticator app shows for this key, one time step after the last one used. */
  function nextCode(secret: string): string {
    clock.advance(STEP_MS);
    return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: clock.now() });
  }

  /** The codes of the recovery-codes dialog, once it shows them (reading them at once after a click may find none yet). */
  async function shownRecoveryCodes(page: Page): Promise<string[]> {
    const items = page
      .getByRole('dialog', { name: 'Vos codes de récupération' })
      .getByRole('list', { name: 'Codes de récupération' })
      .getByRole('listitem');
    await items.first().waitFor();
    return items.allInnerTexts();
  }

  /** Turns 2FA on through the screens, from the button to the recovery codes dialog; returns the key and the codes. */
  async function enrolHere(page: Page): Promise<{ secret: string; codes: string[] }> {
    await page.getByRole('button', { name: 'Activer la double authentification' }).click();
    const qr = page.getByRole('img', { name: "QR code à scanner avec votre application d'authentification" });
    await qr.waitFor();
    assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    const secret = await page.getByLabel("Clé à saisir dans l'application").inputValue();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await page.getByLabel('Code de vérification').fill(nextCode(secret));
    await page.getByRole('button', { name: 'Activer', exact: true }).click();
    return { secret, codes: await shownRecoveryCodes(page) };
  }

  async function signOutHere(page: Page, username: string): Promise<void> {
    await page.getByRole('button', { name: accountButton(username) }).click();
    await page.getByRole('menuitem', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  }

  it('changes the password after checking the current one and the repeated new one', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'lena', '/settings/security');
    const current = page.getByLabel('Mot de passe actuel');
    const fresh = page.getByLabel('Nouveau mot de passe', { exact: true });
    const repeated = page.getByLabel('Confirmez le nouveau mot de passe');
    const submit = page.getByRole('button', { name: 'Changer le mot de passe' });
    await current.fill(PASSWORD);
    await fresh.fill('a new passphrase');
    await repeated.fill('a new passphrase!');
    await submit.click();
    await page.getByRole('alert').getByText('Les deux saisies du nouveau mot de passe ne correspondent pas.').waitFor();
    await current.fill('not the password');
    await repeated.fill('a new passphrase');
    await submit.click();
    await page.getByRole('alert').getByText('Le mot de passe actuel est incorrect.').waitFor();
    await current.fill(PASSWORD);
    await submit.click();
    await page.getByText('Mot de passe changé. Vos autres sessions ont pris fin.').waitFor();
    assert.equal(await current.inputValue(), '');
    await assertAccessible(page, 'Sécurité after a password change');
    const [before, after] = await Promise.all([
      request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'lena', password: PASSWORD } }),
      request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'lena', password: 'a new passphrase' } }),
    ]);
    assert.deepEqual([before.status, after.status], [401, 200]);
    await page.context().close();
  });

  let secret = '';
  let codes: string[] = [];

  it('turns two-factor authentication on from Paramètres → Sécurité and shows the ten recovery codes once', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'hana', '/settings/connections/app-passwords');
    await page.getByRole('navigation', { name: 'Menu des paramètres' }).getByRole('link', { name: 'Sécurité' }).click();
    await page.getByRole('heading', { name: 'Double authentification' }).waitFor();
    assert.match(page.url(), /\/settings\/security$/);
    await page.getByText("La double authentification n'est pas activée.").waitFor();
    await page.getByRole('button', { name: 'Changer le mot de passe' }).waitFor();
    await assertAccessible(page, 'Paramètres → Sécurité');

    await page.getByRole('button', { name: 'Activer la double authentification' }).click();
    await page.getByRole('button', { name: 'Copier la clé' }).click();
    const shown = await page.getByLabel("Clé à saisir dans l'application").inputValue();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);
    await assertAccessible(page, 'the enrolment step');
    // The page is now taller than the window: the side bar stays at the top of the window, however far it is scrolled.
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    assert.ok(((await page.evaluate('window.scrollY')) as number) > 0, 'the enrolment step is taller than the window');
    const brand = (await page.getByRole('link', { name: 'Sésame', exact: true }).boundingBox())!;
    const avatar = (await page.getByRole('button', { name: "Compte d'hana" }).boundingBox())!;
    assert.ok(brand.y >= 0 && brand.y < 40, `the side bar's top is at ${brand.y} px in the window`);
    assert.ok(avatar.y + avatar.height <= page.viewportSize()!.height, 'the avatar is in the window');
    await saveFullPageScreenshot(page, 'security-enrolment.png');
    // A wrong code leaves 2FA off and says why.
    await page.getByLabel('Code de vérification').fill('000000');
    await page.getByRole('button', { name: 'Activer', exact: true }).click();
    await page.getByRole('alert').getByText('Le code est incorrect ou a déjà servi').waitFor();
    await page.getByRole('button', { name: 'Annuler' }).click();

    ({ secret, codes } = await enrolHere(page));
    assert.notEqual(secret, shown, 'a new enrolment replaces the abandoned one');
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
    await assertAccessible(page, 'the recovery codes dialog');
    const codesShot = screenshotPath('recovery-codes.png');
    if (codesShot) await page.screenshot({ path: codesShot });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger (.txt)' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'sesame-recovery-codes-hana.txt');
    const text = fs.readFileSync((await download.path())!, 'utf8');
    for (const code of codes) assert.ok(text.includes(code), `the file holds ${code}`);

    await page.getByRole('button', { name: 'Terminer' }).click();
    // The status already said "activée" behind the dialog: wait for the dialog itself to go.
    await page.getByRole('dialog', { name: 'Vos codes de récupération' }).waitFor({ state: 'detached' });
    await page.getByText('La double authentification est activée').waitFor();
    assert.equal(await page.getByText(codes[0]!).count(), 0, 'the codes are gone once the dialog is closed');
    await page.reload();
    await page.getByText('La double authentification est activée').waitFor();
    assert.ok(!(await page.content()).includes(codes[0]!), 'the codes are never shown again');
    await page.context().close();
  });

  it('signs in with the password then the verification code, without asking the password again after a wrong code', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/settings/security`);
    await signInHere(page, 'hana');
    const field = page.getByLabel('Code de vérification');
    await field.waitFor();
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await field.getAttribute('inputmode'), 'numeric');
    assert.equal(await page.getByLabel('Mot de passe', { exact: true }).count(), 0);
    await assertAccessible(page, 'the sign-in code step');
    const shot = screenshotPath('signin-code.png');
    if (shot) await page.screenshot({ path: shot });

    await field.fill('000000');
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('alert').getByText('Le code est incorrect ou a déjà servi').waitFor();
    await field.fill(nextCode(secret));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Double authentification' }).waitFor();
    assert.match(page.url(), /\/settings\/security$/);
    await page.context().close();
  });

  it('signs in with a recovery code once, and refuses the same code the second time', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/`);
    await signInHere(page, 'hana');
    await page.getByRole('button', { name: 'Utiliser un code de récupération' }).click();
    const field = page.getByLabel('Code de récupération');
    await assertAccessible(page, 'the sign-in recovery-code step');
    await field.fill(codes[0]!);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await signOutHere(page, 'hana');

    await signInHere(page, 'hana');
    await page.getByRole('button', { name: 'Utiliser un code de récupération' }).click();
    await field.fill(codes[0]!);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('alert').getByText('Le code est incorrect ou a déjà servi').waitFor();
    // Back to the app's code without typing the password again.
    await page.getByRole('button', { name: "Utiliser le code de l'application d'authentification" }).click();
    await page.getByLabel('Code de vérification').fill(nextCode(secret));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Fichiers' }).waitFor();
    await page.context().close();
  });

  it('regenerates the recovery codes with a current code, then turns two-factor off after confirming with one', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/settings/security`);
    await signInHere(page, 'hana');
    await page.getByLabel('Code de vérification').fill(nextCode(secret));
    await page.getByRole('button', { name: 'Vérifier' }).click();

    await page.getByRole('button', { name: 'Régénérer les codes de récupération' }).click();
    const regenerate = page.getByRole('dialog', { name: 'Régénérer les codes de récupération' });
    await regenerate.getByLabel('Code de vérification ou code de récupération').fill('000000');
    await regenerate.getByRole('button', { name: 'Régénérer' }).click();
    await regenerate.getByRole('alert').getByText('Le code est incorrect ou a déjà servi').waitFor();
    await assertAccessible(page, 'the regenerate dialog with its error');
    await regenerate.getByLabel('Code de vérification ou code de récupération').fill(nextCode(secret));
    await regenerate.getByRole('button', { name: 'Régénérer' }).click();
    const renewed = await shownRecoveryCodes(page);
    assert.equal(renewed.length, 10);
    assert.deepEqual(
      renewed.filter((code) => codes.includes(code)),
      [],
    );
    await page.getByRole('button', { name: 'Copier les codes' }).click();
    await page.getByRole('button', { name: 'Terminer' }).click();
    const old = await request(server.url, '/api/v1/session', {
      method: 'POST',
      body: { username: 'hana', password: PASSWORD, totp: codes[1]! },
    });
    assert.equal(old.status, 401, 'an earlier recovery code stops working');

    await page.getByRole('button', { name: 'Désactiver la double authentification' }).click();
    const disable = page.getByRole('dialog', { name: 'Désactiver la double authentification ?' });
    await disable.getByText('vos codes de récupération seront supprimés').waitFor();
    await assertAccessible(page, 'the turn-off confirmation');
    await disable.getByLabel('Code de vérification ou code de récupération').fill(renewed[0]!);
    await disable.getByRole('button', { name: 'Désactiver' }).click();
    await page.getByText("La double authentification n'est pas activée.").waitFor();
    await signOutHere(page, 'hana');
    await signInHere(page, 'hana');
    await page.getByRole('heading', { name: 'Sécurité' }).waitFor();
    await page.context().close();
  });

  it('shows throttling at the code step as it shows it for passwords, still without asking the password again', async () => {
    const { id } = await addUser(server, 'kim', PASSWORD);
    const kimSecret = generateTotpSecret();
    await setTotpSecret(server.server.services, id, kimSecret);
    const page = await newPage(browser);
    await page.goto(`${server.url}/`);
    await signInHere(page, 'kim');
    const field = page.getByLabel('Code de vérification');
    /** Sends the code step and returns the status of the API's answer. */
    async function verify(code: string): Promise<number> {
      await field.fill(code);
      const [answer] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/api/v1/session')),
        page.getByRole('button', { name: 'Vérifier' }).click(),
      ]);
      return answer.status();
    }
    for (let attempt = 1; attempt <= 5; attempt++) {
      assert.equal(await verify(attempt % 2 === 0 ? '111111' : '222222'), 401);
      await page.getByRole('alert').getByText('Le code est incorrect ou a déjà servi').waitFor();
    }
    // The server's clock has not moved: even the right code now waits.
    const current = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(kimSecret) }).generate({ timestamp: clock.now() });
    assert.equal(await verify(current), 429);
    await page
      .getByRole('alert')
      .getByText(/^Trop de tentatives\. Réessayez dans \d+ secondes\.$/)
      .waitFor();
    assert.equal(await page.getByLabel('Mot de passe', { exact: true }).count(), 0);
    await field.waitFor();
    await page.context().close();
  });

  it('shows an account that signs in through SSO no password or two-factor controls', async () => {
    const id = crypto.randomUUID();
    const inserted = await insertUserIfNameFree(server.server.services.db, {
      id,
      username: 'sso-user',
      usernameKey: 'sso-user',
      role: 'user',
      authSource: 'oidc',
      passwordHash: null,
      sealedTotpSecret: null,
      totpLastStep: null,
      sealedPendingTotpSecret: null,
      disabledAt: null,
      passwordChangedAt: null,
      createdAt: clock.now(),
    });
    assert.ok(inserted);
    const [name, value] = (await openSession(server, id)).cookie.split('=') as [string, string];
    const page = await newPage(browser);
    await page.context().addCookies([{ name, value, url: server.url }]);
    await page.goto(`${server.url}/settings/security`);
    await page.getByText("Ce compte se connecte par le service d'entreprise (SSO) de votre organisation").waitFor();
    assert.equal(await page.getByRole('button', { name: 'Changer le mot de passe' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Double authentification' }).count(), 0);
    await assertAccessible(page, 'Sécurité of an SSO account');
    await page.context().close();
  });

  it('leads a user to enrolment when the policy requires it, and lets them reach nothing else until it is done', async () => {
    const admin = await newPage(browser);
    await openSignedIn(admin, server, 'admin2', '/admin/policy');
    const required = admin.getByLabel('Double authentification obligatoire pour les comptes locaux');
    assert.equal(await required.isChecked(), false);
    await required.check();
    await admin.getByRole('button', { name: 'Enregistrer' }).click();
    await admin.getByText('Politique enregistrée.').waitFor();
    await assertAccessible(admin, 'the policy with the 2FA requirement');
    // The administrator has no second factor either: the next screen is enrolment.
    await admin.getByRole('link', { name: 'Utilisateurs' }).click();
    await admin.getByRole('heading', { name: 'Activez la double authentification' }).waitFor();
    await admin.context().close();

    const page = await newPage(browser);
    await page.goto(`${server.url}/settings/connections/recent`);
    await signInHere(page, 'jules');
    await page.getByRole('heading', { name: 'Activez la double authentification' }).waitFor();
    assert.match(page.url(), /\/two-factor\?next=%2Fsettings%2Fconnections%2Frecent$/);
    await assertAccessible(page, 'the enrolment the policy requires');
    await saveFullPageScreenshot(page, 'enrolment-required.png');
    for (const path of ['/', '/settings/connections/app-passwords', '/admin/users']) {
      await page.goto(`${server.url}${path}`);
      await page.getByRole('heading', { name: 'Activez la double authentification' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Compte de jules' }).count(), 0, `${path} stays out of reach`);
    }

    await page.goto(`${server.url}/two-factor?next=%2Fsettings%2Fconnections%2Frecent`);
    const { codes: julesCodes } = await enrolHere(page);
    assert.equal(julesCodes.length, 10);
    await page.getByRole('button', { name: 'Copier les codes' }).click();
    await page.getByRole('button', { name: 'Terminer' }).click();
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    assert.match(page.url(), /\/settings\/connections\/recent$/);
    await page.context().close();
  });
});
