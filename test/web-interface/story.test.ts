/**
 * The help page's story in a real browser (Debian chromium), in French:
 * sign in → avatar → Paramètres → Connexions → "+" → name → Générer → the
 * secret shown once → Terminer → the list → the secret used by a real
 * client → Connexions récentes → Configurer → the trash → the secret refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { basic, signIn } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage, saveFullPageScreenshot, screenshotPath } from '../helpers/browser.js';
import { addUsers, PASSWORD, signInHere, startWebServer } from './support.js';

const EXPIRY_SENTENCE =
  /jusqu'au \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00, après cette date, il sera nécessaire de générer un nouveau mot de passe/;

describe('web: the help page story', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'alice');
    // Two passwords already there, so the list (and its picture) shows assignments and a near expiry.
    const session = await signIn(server.url, 'alice', PASSWORD);
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Portable', application: 'sync' } });
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Outlook bureau', expiresInDays: 7 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates, shows once, uses, assigns and deletes an app password as the help page describes', async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    assert.match(page.url(), /\/signin\?next=%2F$/);
    await signInHere(page, 'alice');

    // The avatar at the bottom left opens a menu with Paramètres.
    const avatar = page.getByRole('button', { name: "Compte d'alice" });
    const box = (await avatar.boundingBox())!;
    const viewport = page.viewportSize()!;
    assert.ok(box.x < viewport.width / 4 && box.y > viewport.height / 2, `avatar at bottom left, got ${JSON.stringify(box)}`);
    await avatar.click();
    await page.getByRole('menuitem', { name: 'Paramètres' }).click();
    await page.getByRole('navigation', { name: 'Menu des paramètres' }).getByRole('link', { name: 'Connexions' }).click();
    await page.getByRole('tab', { name: "Mot de passe d'application" }).click();
    await page.getByText('Personnalisez vos accès aux applications en leur configurant des mots de passe.').waitFor();
    assert.match(page.url(), /\/settings\/connections\/app-passwords$/);
    await page.getByText("Le mot de passe généré automatiquement n'est visible qu'une seule fois").waitFor();

    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await dialog
      .getByText(
        "Créer un mot de passe d'application afin de pouvoir connecter une application ne supportant pas nativement l'interconnexion avec les méthodes d'authentification avancées (OAuth).",
      )
      .waitFor();
    const name = dialog.getByLabel('Nom de la connexion');
    assert.equal(await name.getAttribute('placeholder'), 'Mon WebDAV');
    await dialog.getByText('64 caractères max.').waitFor();
    await name.fill('Mon WebDAV');
    await dialog.getByText('10 / 64').waitFor();
    await dialog.getByRole('button', { name: 'Annuler' }).waitFor();
    const shot = screenshotPath('create-dialog.png');
    if (shot) await page.screenshot({ path: shot });
    await dialog.getByRole('button', { name: 'Générer' }).click();

    const result = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    const secretField = result.getByLabel('Mot de passe', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.equal([...secret].length, 24);
    assert.match((await result.textContent()) ?? '', EXPIRY_SENTENCE);
    assert.equal(await result.getByLabel("Nom d'utilisateur à saisir avec ce mot de passe").inputValue(), 'alice');
    assert.match(await secretField.evaluate((el) => getComputedStyle(el).fontFamily), /mono/i);
    await result.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await result.getByText('Mot de passe copié').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await assertAccessible(page, 'the result dialog');
    const resultShot = screenshotPath('result-dialog.png');
    if (resultShot) await page.screenshot({ path: resultShot });
    await result.getByRole('button', { name: 'Terminer' }).click();
    await result.waitFor({ state: 'detached' });

    // Nothing can show the secret again: not the page, not storage, not history.
    assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the DOM');
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, history.state]));
    assert.ok(!stored.includes(secret), 'the secret is in no store nor history state');

    const card = page.locator('li.app-password', { hasText: 'Mon WebDAV' });
    await card.getByText('Mot de passe - Non affectée').waitFor();
    await page.locator('li.app-password', { hasText: 'Outlook bureau' }).getByText('expire dans moins de 14 jours').waitFor();
    await page
      .locator('li.app-password', { hasText: 'Portable' })
      .getByText('Mot de passe - Client de synchronisation')
      .waitFor();
    await assertAccessible(page, 'the app passwords tab');
    await saveFullPageScreenshot(page, 'app-passwords-tab.png');

    // A real client uses the secret.
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { ...basic('alice', secret), 'user-agent': 'SesameE2E/1.0' } });
    assert.equal(me.status, 200);

    await page.getByRole('tab', { name: 'Connexions récentes' }).click();
    assert.match(page.url(), /\/settings\/connections\/recent$/);
    const use = page.locator('li.connection', { hasText: 'SesameE2E/1.0' });
    await use.getByText("Mot de passe d'application « Mon WebDAV »").waitFor();
    await use.getByText('Réussie').waitFor();
    await assertAccessible(page, 'the recent connections tab');

    await use.getByRole('link', { name: 'Voir la carte' }).click();
    await page.waitForFunction(() => document.activeElement?.textContent?.includes('Mon WebDAV'));
    await card.getByRole('button', { name: 'Configurer' }).click();
    const configure = page.getByRole('dialog', { name: 'Configurer « Mon WebDAV »' });
    await configure.getByLabel('Application').selectOption({ label: 'Lecteur réseau WebDAV' });
    await assertAccessible(page, 'the Configurer dialog');
    await configure.getByRole('button', { name: 'Enregistrer' }).click();
    await card.getByText('Mot de passe - Lecteur réseau WebDAV').waitFor();

    await card.getByRole('button', { name: 'Supprimer Mon WebDAV' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Supprimer le mot de passe « Mon WebDAV » ?' });
    await assertAccessible(page, 'the delete confirmation');
    await confirm.getByRole('button', { name: 'Supprimer' }).click();
    await card.waitFor({ state: 'detached' });

    const refused = await fetch(`${server.url}/api/v1/me`, { headers: basic('alice', secret) });
    assert.equal(refused.status, 401);
    await page.context().close();
  });
});
