/**
 * Connecting a client, in a real browser: the result dialog and each card
 * have « Comment se connecter » with the WebDAV address (PUBLIC_URL/dav/),
 * the username and the steps per client (the davfs2 quotes against `#`,
 * rclone reading the secret on its input against a leading `-`); an
 * application that nothing serves yet says there is nothing to connect to,
 * and the create dialog offers it disabled. French and English, 390 px wide.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signIn } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage, screenshotPath } from '../helpers/browser.js';
import { addUsers, openSignedIn, PASSWORD, signInHere, startWebServer } from './support.js';

describe('web: connecting a client', () => {
  let server: TestServer;
  let browser: Browser;
  let davUrl: string;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'uma', 'vic');
    davUrl = `${server.server.services.config.publicUrl.origin}/dav/`;
    const session = await signIn(server.url, 'vic', PASSWORD);
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Synchro', application: 'sync' } });
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Libre' } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the address, the username and the steps per client in the result dialog, then on the card', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'uma', '/settings/connections/app-passwords');
    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    const select = dialog.getByLabel('Application (facultatif)');
    assert.equal(
      await select.locator('option', { hasText: "Client de synchronisation (rien à connecter pour l'instant)" }).isDisabled(),
      true,
    );
    assert.equal(await select.locator('option', { hasText: 'Lecteur réseau WebDAV' }).isDisabled(), false);
    await dialog
      .getByText("Rien à quoi se connecter pour l'instant pour : Client de synchronisation, Connecteur Outlook.")
      .waitFor();
    await dialog.getByLabel('Nom de la connexion').fill('Bureau');
    await select.selectOption({ label: 'Lecteur réseau WebDAV' });
    await dialog.getByRole('button', { name: 'Générer' }).click();

    await dialog.getByText('Comment se connecter').click();
    const steps = dialog.getByRole('region', { name: 'Lecteur réseau WebDAV' });
    assert.equal(await steps.getByLabel("Adresse à saisir dans l'application").inputValue(), davUrl);
    await steps.getByText("Nom d'utilisateur : uma").waitFor();
    for (const client of ['Windows (Explorateur)', 'macOS (Finder)', 'Linux : Fichiers (GNOME)', 'Linux : davfs2', 'rclone'])
      await steps.getByRole('heading', { name: client }).waitFor();
    await steps.getByText(`net use Z: ${davUrl} /user:uma *`).waitFor();
    await steps.getByText('un « # » le couperait en commentaire', { exact: false }).waitFor();
    await steps
      .getByText("un mot de passe qui commence par « - » n'est donc pas pris pour une option", { exact: false })
      .waitFor();
    await assertAccessible(page, 'the result dialog with « Comment se connecter » open');
    await dialog.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await dialog.getByRole('button', { name: 'Terminer' }).click();

    const card = page.locator('li.app-password', { hasText: 'Bureau' });
    await card.getByText('Comment se connecter').click();
    assert.equal(await card.getByLabel("Adresse à saisir dans l'application").inputValue(), davUrl);
    await assertAccessible(page, 'a card with « Comment se connecter » open');
    const shot = screenshotPath('connect-panel.png');
    if (shot) await card.screenshot({ path: shot });
    await page.context().close();
  });

  it('says plainly that a password of an application nothing serves yet has nothing to connect to', async () => {
    const page = await newPage(browser, 'fr-FR', 390);
    await openSignedIn(page, server, 'vic', '/settings/connections/app-passwords');
    const sync = page.getByRole('listitem', { name: 'Nom Synchro' });
    await sync.getByText('Comment se connecter').click();
    await sync
      .getByText("Rien à quoi se connecter pour l'instant : Sésame ne sert pas encore « Client de synchronisation ».", {
        exact: false,
      })
      .waitFor();
    assert.equal(await sync.getByLabel("Adresse à saisir dans l'application").count(), 0);

    const free = page.getByRole('listitem', { name: 'Nom Libre' });
    await free.getByText('Comment se connecter').click();
    assert.equal(await free.getByLabel("Adresse à saisir dans l'application").inputValue(), davUrl);
    await free.getByText("Connecteur Outlook : rien à quoi se connecter pour l'instant", { exact: false }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390 px`);
    await assertAccessible(page, 'cards with « Comment se connecter » open, 390 px wide');
    await page.context().close();
  });

  it('says the same in English', async () => {
    const page = await newPage(browser, 'en-US');
    await page.goto(`${server.url}/settings/connections/app-passwords`);
    await signInHere(page, 'vic', { username: 'Username', password: 'Password', submit: 'Sign in' });
    const sync = page.getByRole('listitem', { name: 'Name Synchro' });
    await sync.getByText('How to connect').click();
    await sync
      .getByText('Nothing to connect to yet: Sésame does not serve “Desktop sync client” yet.', { exact: false })
      .waitFor();
    const free = page.getByRole('listitem', { name: 'Name Libre' });
    await free.getByText('How to connect').click();
    await free.getByRole('heading', { name: 'Windows (Explorer)' }).waitFor();
    await assertAccessible(page, '« How to connect » in English');
    await page.context().close();
  });
});
