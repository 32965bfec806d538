/**
 * The "Créer un mot de passe d'application" dialog in a real browser: the
 * 64-code-point limit (the 65th character refused with a message, never
 * cut; 64 × "é" fits), Annuler creates nothing, errors from the API shown
 * next to the field in French, and keyboard use at 320 px wide.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage } from '../helpers/browser.js';
import { countRows } from '../api/support.js';
import { addUsers, openSignedIn, startWebServer } from './support.js';

const TAB = '/settings/connections/app-passwords';

/**
 * The accessible name of the focused element once focus has come back to the
 * element named `expected` (the dialog primitive returns it just after the
 * dialog leaves the page), or of whatever holds focus after 5 s.
 */
async function focusedLabelOnceReturned(page: Page, expected: string): Promise<string | null | undefined> {
  await page
    .waitForFunction((label) => document.activeElement?.getAttribute('aria-label') === label, expected, { timeout: 5_000 })
    .catch(() => undefined);
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
}

async function openCreateDialog(page: Page) {
  await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
  return page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
}

describe('web: the create dialog', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'bob', 'carol', 'dave');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a 65th character with a message, keeps all 65, and accepts 64 × "é"', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'bob', TAB);
    const dialog = await openCreateDialog(page);
    const name = dialog.getByLabel('Nom de la connexion');
    await name.fill('a'.repeat(65));
    await dialog.getByText('65 / 64').waitFor();
    await dialog
      .getByRole('alert')
      .getByText('Le nom ne peut pas dépasser 64 caractères (65 saisis) : raccourcissez-le.')
      .waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await name.inputValue(), 'a'.repeat(65), 'nothing is cut');
    await dialog.getByRole('button', { name: 'Générer' }).click();
    await dialog.getByText('65 / 64').waitFor();
    assert.equal(await countRows(server, 'app_passwords'), 0);
    await assertAccessible(page, 'the create dialog with an error');

    await name.fill('é'.repeat(64));
    await dialog.getByText('64 / 64').waitFor();
    assert.equal(await dialog.getByRole('alert').count(), 0);
    await dialog.getByRole('button', { name: 'Générer' }).click();
    await page.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await page.getByRole('button', { name: 'Terminer' }).click();
    await page.locator('li.app-password', { hasText: 'é'.repeat(64) }).waitFor();
    await page.context().close();
  });

  it('creates nothing when Annuler is pressed, and returns focus to "+"', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'carol', TAB);
    await page.getByText("Aucun mot de passe d'application pour l'instant.").waitFor();
    const dialog = await openCreateDialog(page);
    await dialog.getByLabel('Nom de la connexion').fill('Jamais créé');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await dialog.waitFor({ state: 'detached' });
    const focused = await focusedLabelOnceReturned(page, "Créer un mot de passe d'application");
    assert.equal(focused, "Créer un mot de passe d'application");
    const reply = await page.evaluate(() => fetch('/api/v1/app-passwords').then((r) => r.json()));
    assert.deepEqual(reply.appPasswords, []);
    await page.context().close();
  });

  it('shows an API refusal next to the field, in French', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'carol', TAB);
    for (const attempt of ['Double', 'double']) {
      const dialog = await openCreateDialog(page);
      await dialog.getByLabel('Nom de la connexion').fill(attempt);
      await dialog.getByRole('button', { name: 'Générer' }).click();
      if (attempt === 'Double') {
        await page.getByRole('button', { name: 'Copier le mot de passe' }).click();
        await page.getByRole('button', { name: 'Terminer' }).click();
        continue;
      }
      const error = dialog.locator('#create-name-error');
      await error.getByText('Vous avez déjà un mot de passe actif portant ce nom.').waitFor();
      await dialog.getByRole('button', { name: 'Annuler' }).click();
    }
    await page.context().close();
  });

  it('is usable with the keyboard alone at 320 px wide', async () => {
    const page = await newPage(browser, 'fr-FR', 320);
    await openSignedIn(page, server, 'dave');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, 'no horizontal scrolling');
    const avatar = page.getByRole('button', { name: 'Compte de dave' });
    const box = (await avatar.boundingBox())!;
    assert.ok(box.x < 80 && box.y > 600, `avatar at the bottom left, got ${JSON.stringify(box)}`);
    await avatar.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Paramètres' }).waitFor();
    await assertAccessible(page, 'the avatar menu');
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: "Mot de passe d'application", selected: true }).waitFor();
    await assertAccessible(page, 'the app passwords tab at 320 px');

    const add = page.getByRole('button', { name: "Créer un mot de passe d'application" });
    await add.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await dialog.waitFor();
    // Focus is inside the dialog and stays there however far one tabs.
    for (let i = 0; i < 12; i++) {
      assert.ok(await dialog.evaluate((el) => el.contains(document.activeElement)), `focus inside after ${i} tabs`);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      await focusedLabelOnceReturned(page, "Créer un mot de passe d'application"),
      "Créer un mot de passe d'application",
    );

    await page.keyboard.press('Enter');
    await dialog.getByLabel('Nom de la connexion').waitFor();
    await page.keyboard.type('Clavier');
    await page.keyboard.press('Enter');
    const result = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await result.getByRole('button', { name: 'Terminer' }).waitFor();
    assert.ok((await result.boundingBox())!.width <= 320);
    await page.keyboard.press('Escape');
    await page.locator('li.app-password', { hasText: 'Clavier' }).waitFor();
    await page.context().close();
  });
});
