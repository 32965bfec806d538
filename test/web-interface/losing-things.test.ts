/**
 * Nothing is lost without warning, in a real browser: Configurer says which
 * client a reassignment cuts off (and its last use), and Connexions
 * récentes then names the refused password and why; a secret shown once
 * says so in its dialog, and closing it before it was copied, selected or
 * downloaded asks first; focus returns to the new card.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import * as OTPAuth from 'otpauth';
import { basic, request, signIn } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage } from '../helpers/browser.js';
import { addUsers, openSignedIn, PASSWORD, startWebServer } from './support.js';

describe('web: nothing lost without warning', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'rita', 'sam', 'tess');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('warns before a reassignment cuts a client off, then names the refused password and why', async () => {
    const session = await signIn(server.url, 'rita', PASSWORD);
    const created = await session.call('/api/v1/app-passwords', {
      method: 'POST',
      body: { name: 'rclone du NAS', application: 'sync' },
    });
    const secret = created.json.password as string;
    const use = () =>
      request(server.url, '/api/v1/forward-auth/sync', {
        headers: { ...basic('rita', secret), 'user-agent': 'rclone/v1.60.0' },
      });
    assert.equal((await use()).status, 204);

    const page = await newPage(browser);
    await openSignedIn(page, server, 'rita', '/settings/connections/app-passwords');
    const card = page.locator('li.app-password', { hasText: 'rclone du NAS' });
    await card.getByRole('button', { name: 'Configurer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Configurer « rclone du NAS »' });
    const application = dialog.getByLabel('Application');
    await application.selectOption({ label: 'Lecteur réseau WebDAV' });
    const warning = dialog.locator('#configure-cut-off');
    await warning.getByText('Ce mot de passe est utilisé par « Client de synchronisation »').waitFor();
    await warning.getByText('rclone/v1.60.0').waitFor();
    assert.match((await application.getAttribute('aria-describedby')) ?? '', /configure-cut-off/);
    await assertAccessible(page, 'the Configurer dialog warning of a cut-off');
    // Back to its own application: nothing would stop, nothing is said.
    await application.selectOption({ label: "Client de synchronisation (rien à connecter pour l'instant)" });
    await warning.waitFor({ state: 'detached' });
    await application.selectOption({ label: 'Lecteur réseau WebDAV' });
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await card.getByText('Mot de passe - Lecteur réseau WebDAV').waitFor();

    assert.equal((await use()).status, 401);
    await page.getByRole('tab', { name: 'Connexions récentes' }).click();
    const refused = page.locator('li.connection.failure', { hasText: 'rclone 1.60' });
    await refused.getByText("Mot de passe d'application « rclone du NAS »").waitFor();
    await refused
      .getByText("ce mot de passe est affecté à une autre application que celle qui l'a utilisé", { exact: false })
      .waitFor();
    await assertAccessible(page, 'a refused use in Connexions récentes');
    await page.context().close();
  });

  /** Creates a password through the « + » dialog and returns the result dialog, its secret on screen. */
  async function createHere(page: Page, name: string) {
    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await dialog.getByLabel('Nom de la connexion').fill(name);
    await dialog.getByRole('button', { name: 'Générer' }).click();
    await dialog.getByLabel('Mot de passe', { exact: true }).waitFor();
    return dialog;
  }

  /** The id of the element that has focus, waiting for focus to settle after a dialog closed. */
  async function focusedCard(page: Page, name: string): Promise<void> {
    await page.waitForFunction(
      (expected) => {
        const active = document.activeElement;
        return active?.matches('li.app-password') === true && active.textContent?.includes(expected) === true;
      },
      name,
      { timeout: 10_000 },
    );
  }

  it('says in the dialog that the password will not be shown again, and asks before closing it uncopied', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'sam', '/settings/connections/app-passwords');
    const result = await createHere(page, 'Tablette');
    await result.getByText('Ce mot de passe ne sera plus jamais affiché').waitFor();
    const secret = await result.getByLabel('Mot de passe', { exact: true }).inputValue();
    // Typed by hand: in groups of four, in a face that tells I l 1 O 0 apart.
    assert.equal((await result.locator('.secret-groups span').allInnerTexts()).join(''), secret);
    assert.match(await result.locator('.secret-groups').evaluate((el) => getComputedStyle(el).fontFamily), /JetBrains Mono/);
    await assertAccessible(page, 'the result dialog');

    const question = page.getByRole('alertdialog', { name: 'Fermer sans avoir copié le mot de passe ?' });
    for (const close of [
      () => page.keyboard.press('Escape'),
      () => page.mouse.click(5, 5),
      () => result.getByRole('button', { name: 'Terminer' }).click(),
    ]) {
      await close();
      await question.waitFor();
      await assertAccessible(page, 'the question before closing an uncopied password');
      await question.getByRole('button', { name: 'Revenir au mot de passe' }).click();
      await question.waitFor({ state: 'detached' });
      assert.equal(await result.getByLabel('Mot de passe', { exact: true }).inputValue(), secret, 'the secret is still there');
    }
    await result.getByRole('button', { name: 'Terminer' }).click();
    await question.getByRole('button', { name: 'Fermer quand même' }).click();
    await result.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret));
    await focusedCard(page, 'Tablette');
    await page.context().close();
  });

  it('closes at once once the password was copied, and puts focus on the new card', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'sam', '/settings/connections/app-passwords');
    const result = await createHere(page, 'Téléphone');
    await result.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await result.getByText('Mot de passe copié').waitFor();
    await page.keyboard.press('Escape');
    await result.waitFor({ state: 'detached' });
    await focusedCard(page, 'Téléphone');

    const selected = await createHere(page, 'Liseuse');
    // Selected with the mouse, as one does to copy it by hand: a click in the field selects all of it.
    const field = selected.getByLabel('Mot de passe', { exact: true });
    await field.click();
    assert.equal(
      await field.evaluate((input: HTMLInputElement) => input.value.slice(input.selectionStart!, input.selectionEnd!)),
      await field.inputValue(),
    );
    await selected.getByRole('button', { name: 'Terminer' }).click();
    await selected.waitFor({ state: 'detached' });
    await focusedCard(page, 'Liseuse');
    await page.context().close();
  });

  it('asks before closing recovery codes that were neither copied, downloaded nor printed', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'tess', '/settings/security');
    await page.getByRole('button', { name: 'Activer la double authentification' }).click();
    const key = await page.getByLabel("Clé à saisir dans l'application").inputValue();
    await page.getByLabel('Code de vérification').fill(new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate());
    await page.getByRole('button', { name: 'Activer', exact: true }).click();
    const codes = page.getByRole('dialog', { name: 'Vos codes de récupération' });
    await codes.getByText('Ces codes ne seront plus jamais affichés').waitFor();
    await page.keyboard.press('Escape');
    const question = page.getByRole('alertdialog', { name: 'Fermer sans avoir gardé les codes ?' });
    await question.waitFor();
    await question.getByRole('button', { name: 'Revenir aux codes' }).click();
    await codes.getByRole('button', { name: 'Copier les codes' }).click();
    await codes.getByText('Codes copiés').waitFor();
    await codes.getByRole('button', { name: 'Terminer' }).click();
    await codes.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.textContent === 'Régénérer les codes de récupération');
    await page.context().close();
  });

  it('after a wrong password at sign-in, empties the password field and puts focus back in it', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Nom d'utilisateur", { exact: true }).fill('sam');
    const password = page.getByLabel('Mot de passe', { exact: true });
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').getByText("Nom d'utilisateur ou mot de passe incorrect.").waitFor();
    assert.equal(await password.inputValue(), '');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'signin-password');
    await page.context().close();
  });
});
