/**
 * The rest of the interface in a real browser: the English UI and the
 * language switch, reload on a deep URL, an ended session sending the user
 * to sign-in and back, failed attempts in Connexions récentes, and the
 * administration (revoking a user's password, which the user then no
 * longer sees; disabling an account and re-enabling it, in French and
 * English), each screen checked with axe-core.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { basic, signIn } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage } from '../helpers/browser.js';
import { addUsers, openSignedIn, PASSWORD, signInHere, startWebServer } from './support.js';

describe('web: languages, URLs, sessions and administration', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'admin1', 'erin', 'frank', 'gina', 'ivan');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('speaks English to an English browser, and switches to French on demand', async () => {
    const page = await newPage(browser, 'en-US');
    await page.goto(`${server.url}/settings/connections/app-passwords`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await assertAccessible(page, 'the sign-in page');
    await signInHere(page, 'erin', { username: 'Username', password: 'Password', submit: 'Sign in' });
    await page.getByText("Customise your applications' access by giving them passwords.").waitFor();
    await page.getByRole('button', { name: 'Create an app password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an app password' });
    await dialog.getByText('64 characters max.').waitFor();
    await dialog.getByLabel('Connection name').fill('Laptop');
    await dialog.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Copy the password' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('li.app-password', { hasText: 'Laptop' }).getByText('Password - Not assigned').waitFor();

    await page.getByLabel('Language').selectOption('fr');
    await page.getByText('Mot de passe - Non affectée').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.reload();
    await page.getByText('Mot de passe - Non affectée').waitFor();
    await page.context().close();
  });

  it('reloads a deep URL on the same screen, moves between tabs with back/forward, and signs out', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'erin', '/settings/connections/recent');
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    await page.reload();
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    await page.getByRole('tab', { name: "Mot de passe d'application" }).click();
    await page.getByRole('tab', { name: "Mot de passe d'application", selected: true }).waitFor();
    await page.goBack();
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    await page.goForward();
    await page.getByRole('tab', { name: "Mot de passe d'application", selected: true }).waitFor();

    await page.getByRole('button', { name: "Compte d'erin" }).click();
    await page.getByRole('menuitem', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await page.goto(`${server.url}/settings/connections/recent`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    assert.match(page.url(), /\/signin\?next=%2Fsettings%2Fconnections%2Frecent$/);
    await signInHere(page, 'erin');
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Fichiers' }).waitFor();
    await assertAccessible(page, 'the home page');
    await page.context().close();
  });

  it('sends a user whose session ended to sign-in, then back where they were', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'frank', '/settings/connections/app-passwords');
    await page.getByText('Personnalisez vos accès aux applications en leur configurant des mots de passe.').waitFor();
    await server.server.services.db.deleteFrom('sessions').execute();
    await page.getByRole('tab', { name: 'Connexions récentes' }).click();
    await page.getByText('Votre session a pris fin. Reconnectez-vous pour continuer.').waitFor();
    assert.match(page.url(), /\/signin\?next=%2Fsettings%2Fconnections%2Frecent/);
    await signInHere(page, 'frank');
    await page.getByRole('tab', { name: 'Connexions récentes', selected: true }).waitFor();
    assert.match(page.url(), /\/settings\/connections\/recent$/);
    await page.context().close();
  });

  it('says when to retry after too many failed sign-ins', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/signin`);
    let message = '';
    for (let attempt = 0; attempt < 10 && !message.startsWith('Trop de tentatives'); attempt++) {
      await page.getByLabel("Nom d'utilisateur", { exact: true }).fill('ivan');
      await page.getByLabel('Mot de passe', { exact: true }).fill('not the password');
      const reply = page.waitForResponse((response) => response.url().endsWith('/api/v1/session'));
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await reply;
      message = (await page.getByRole('alert').textContent()) ?? '';
      if (!message.startsWith('Trop de tentatives')) assert.equal(message, "Nom d'utilisateur ou mot de passe incorrect.");
    }
    assert.match(message, /^Trop de tentatives\. Réessayez dans \d+ secondes\.$/);
    await page.context().close();
  });

  it('shows failed attempts in Connexions récentes, distinct from successes', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'gina', '/settings/connections/recent');
    const refused = await fetch(`${server.url}/api/v1/me`, {
      headers: { ...basic('gina', 'wrong-secret'), 'user-agent': 'BadClient/2' },
    });
    assert.equal(refused.status, 401);
    await page.reload();
    const failure = page.locator('li.connection', { hasText: 'BadClient/2' });
    await failure.getByText('Échec').waitFor();
    assert.match((await failure.getAttribute('class')) ?? '', /failure/);
    await page.locator('li.connection', { hasText: 'Connexion web (mot de passe)' }).getByText('Réussie').first().waitFor();
    await assertAccessible(page, 'Connexions récentes with a failure');
    await page.context().close();
  });

  it("lets an administrator revoke a user's password, which the user then no longer sees", async () => {
    const erin = await signIn(server.url, 'erin', PASSWORD);
    const created = await erin.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Révoqué par admin' } });
    assert.equal(created.status, 201);

    const userPage = await newPage(browser);
    await openSignedIn(userPage, server, 'erin', '/settings/connections/app-passwords');
    await userPage.locator('li.app-password', { hasText: 'Révoqué par admin' }).waitFor();

    const page = await newPage(browser);
    await openSignedIn(page, server, 'admin1');
    await page.getByRole('button', { name: "Compte d'admin1" }).click();
    await page.getByRole('menuitem', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Utilisateurs' }).waitFor();
    await assertAccessible(page, 'the users screen');
    await page.getByRole('link', { name: "Mots de passe d'erin" }).click();
    const card = page.locator('li.app-password', { hasText: 'Révoqué par admin' });
    await assertAccessible(page, "a user's passwords");
    await card.getByRole('button', { name: 'Révoquer Révoqué par admin' }).click();
    await page
      .getByRole('alertdialog', { name: 'Révoquer le mot de passe « Révoqué par admin » ?' })
      .getByRole('button', { name: 'Révoquer' })
      .click();
    await card.waitFor({ state: 'detached' });

    await userPage.reload();
    await userPage.locator('li.app-password', { hasText: 'Laptop' }).waitFor();
    assert.equal(await userPage.locator('li.app-password', { hasText: 'Révoqué par admin' }).count(), 0);
    assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic('erin', created.json.password) })).status, 401);
    await userPage.context().close();

    await page.getByRole('link', { name: 'Politique' }).click();
    await page.getByLabel("Durée de vie des mots de passe d'application (jours, 1 à 3650)").fill('90');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Politique enregistrée.').waitFor();
    await assertAccessible(page, 'the policy screen');
    await page.getByLabel("Durée de vie des mots de passe d'application (jours, 1 à 3650)").fill('0');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Une valeur de la politique est hors limites.').waitFor();

    // More than a page of entries (50): the log pages with the API's cursor.
    const gina = await signIn(server.url, 'gina', PASSWORD);
    for (let i = 0; i < 45; i++) {
      const made = await gina.call('/api/v1/app-passwords', { method: 'POST', body: { name: `Lot ${i}` } });
      assert.equal(made.status, 201);
    }
    await page.getByRole('link', { name: "Journal d'audit" }).click();
    await page.getByRole('cell', { name: 'Lot 44' }).waitFor();
    await page.getByRole('link', { name: 'Entrées plus anciennes' }).click();
    await page.getByRole('link', { name: 'Plus récentes' }).waitFor();
    assert.match(page.url(), /\/admin\/audit\?cursor=/);
    // The link follows the URL at once; the older page replaces the rows when it arrives.
    await page.getByRole('cell', { name: 'Lot 44' }).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('link', { name: 'Plus récentes' }).click();
    await page.getByRole('cell', { name: 'Politique modifiée' }).first().waitFor();
    // The server filters: the whole log, not just the page shown. Each filter
    // loads a new page, which replaces the one shown (the old one had policy.updated).
    const policyCells = page.getByRole('cell', { name: 'Politique modifiée' });
    await page.getByLabel('Action').selectOption('app-password.revoked');
    await page.waitForURL(/\/admin\/audit\?action=app-password\.revoked$/);
    await policyCells.first().waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: "Mot de passe d'application révoqué" }).first().waitFor();
    assert.equal(await policyCells.count(), 0);
    await page.getByLabel('Action').selectOption('');
    await page.waitForURL(/\/admin\/audit$/);
    await policyCells.first().waitFor();
    await page.getByLabel('Auteur ou cible (nom exact)').fill('gina');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/\/admin\/audit\?user=gina$/);
    await policyCells.first().waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Lot 44' }).waitFor();
    assert.equal(await policyCells.count(), 0);
    assert.equal(
      await page.getByRole('cell', { name: 'Lot 0 (de gina)', exact: true }).count(),
      1,
      "all of gina's 46 entries fit the first filtered page",
    );
    await assertAccessible(page, 'the audit log');
    // Back and forward bring the name field along with the URL.
    const whoField = (value: string) =>
      page.waitForFunction((expected) => document.querySelector<HTMLInputElement>('#audit-who')?.value === expected, value);
    await page.goBack();
    await page.waitForURL(/\/admin\/audit$/);
    await whoField('');
    await page.goForward();
    await page.waitForURL(/\/admin\/audit\?user=gina$/);
    await whoField('gina');

    await page.getByRole('link', { name: 'Utilisateurs' }).click();
    await page.getByLabel("Nom d'utilisateur").fill('henri');
    await page.getByLabel('Mot de passe initial').fill('court');
    await page.getByRole('button', { name: "Créer l'utilisateur" }).click();
    await page.locator('#new-password-error').getByText('Le mot de passe doit compter au moins 8 caractères.').waitFor();
    await page.getByLabel('Mot de passe initial').fill(PASSWORD);
    await page.getByRole('button', { name: "Créer l'utilisateur" }).click();
    await page.getByText('Utilisateur henri créé.').waitFor();
    await page.getByRole('button', { name: 'Désactiver henri' }).click();
    await page
      .getByRole('alertdialog', { name: 'Désactiver le compte henri ?' })
      .getByRole('button', { name: 'Désactiver' })
      .click();
    await page.locator('li.user-row', { hasText: 'henri' }).getByText('désactivé').waitFor();
    await page.context().close();
  });

  it('lets an administrator disable an account and re-enable it, focus staying on its button; its app password works again', async () => {
    await addUsers(server, 'jules');
    const jules = await signIn(server.url, 'jules', PASSWORD);
    const created = await jules.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Lecteur réseau' } });
    assert.equal(created.status, 201, created.text);
    const basicStatus = async () =>
      (await fetch(`${server.url}/api/v1/me`, { headers: basic('jules', created.json.password) })).status;
    const page = await newPage(browser);
    const focusedButton = (name: string) =>
      page.waitForFunction((expected) => document.activeElement?.textContent === expected, name);

    await openSignedIn(page, server, 'admin1', '/admin/users');
    const row = page.locator('li.user-row', { hasText: 'jules' });
    await row.getByRole('button', { name: 'Désactiver jules' }).click();
    await page
      .getByRole('alertdialog', { name: 'Désactiver le compte jules ?' })
      .getByRole('button', { name: 'Désactiver' })
      .click();
    await page.getByRole('status').getByText('Compte jules désactivé.').waitFor();
    await row.getByText('désactivé').waitFor();
    await focusedButton('Réactiver jules');
    assert.equal(await basicStatus(), 401);
    await assertAccessible(page, 'the users screen with a disabled account');

    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: 'Réactiver le compte jules ?' });
    await dialog
      .getByText("ses mots de passe d'application encore valides (ni révoqués ni expirés) fonctionneront de nouveau")
      .waitFor();
    await assertAccessible(page, 'the re-enable dialog');
    await dialog.getByRole('button', { name: 'Réactiver' }).click();
    await page.getByRole('status').getByText('Compte jules réactivé.').waitFor();
    await row.getByText('actif').waitFor();
    await focusedButton('Désactiver jules');
    assert.equal(await basicStatus(), 200);
    await page.context().close();

    const admin = await signIn(server.url, 'admin1', PASSWORD);
    const users = (await admin.call('/api/v1/admin/users')).json.users as Array<{ id: string; username: string }>;
    const julesId = users.find((user) => user.username === 'jules')!.id;
    assert.equal((await admin.call(`/api/v1/admin/users/${julesId}/disable`, { method: 'POST' })).status, 200);
    const english = await newPage(browser, 'en-US');
    await english.goto(`${server.url}/admin/users`);
    await signInHere(english, 'admin1', { username: 'Username', password: 'Password', submit: 'Sign in' });
    await english.getByRole('button', { name: 'Re-enable jules' }).click();
    const englishDialog = english.getByRole('alertdialog', { name: 'Re-enable the account jules?' });
    await englishDialog.getByText('its app passwords still in force (neither revoked nor expired) work again').waitFor();
    await englishDialog.getByRole('button', { name: 'Cancel' }).click();
    await englishDialog.waitFor({ state: 'detached' });
    assert.equal(await english.evaluate(() => document.activeElement?.textContent), 'Re-enable jules');
    assert.equal(await basicStatus(), 401, 'cancelled: still disabled');
    await english.context().close();
  });
});
