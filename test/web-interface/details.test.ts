/**
 * Consistency and detail, in a real browser, as a new user meets them:
 * labels and quotes per language and French elision, one date format with
 * the ISO instant at hand, expiry presets and the allowed range, « 12 / 50 »
 * and the limit, search, sort and a compact list, the history of ended
 * passwords, the audit log's labels, owners and clients, client names in
 * Connexions récentes, « Voir la carte », the users list (2FA, last
 * sign-in, search, 2FA reset), the documentation link, cards kept when the
 * server is unreachable, and dark mode — axe checking light and dark, French
 * and English.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { basic, request, signIn, type Session } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage, saveFullPageScreenshot } from '../helpers/browser.js';
import { upsertConnection } from '../../src/repositories/connections.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import { addUsers, openSignedIn, PASSWORD, signInHere, startWebServer } from './support.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

describe('web: consistency and detail', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Session;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'admin', 'wes', 'xena', 'yan', 'zoe');
    admin = await signIn(server.url, 'admin', PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function passwordOf(username: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const session = await signIn(server.url, username, PASSWORD);
    const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body });
    assert.equal(reply.status, 201, reply.text);
    return { id: reply.json.appPassword.id, secret: reply.json.password };
  }

  function use(username: string, secret: string, userAgent: string) {
    return request(server.url, '/api/v1/forward-auth/webdav', {
      headers: { ...basic(username, secret), 'user-agent': userAgent },
    });
  }

  /** Every `<time>` on the page shows the localized form and holds the ISO instant. */
  async function assertOneDateFormat(page: Page): Promise<void> {
    const times = await page.locator('time[title]').evaluateAll((nodes) =>
      nodes.map((node) => ({
        title: node.getAttribute('title')!,
        text: node.textContent!,
        datetime: node.getAttribute('datetime'),
      })),
    );
    assert.ok(times.length > 0, 'dates are shown in <time>');
    for (const time of times) {
      assert.match(time.title, ISO);
      assert.equal(time.datetime, time.title);
      assert.doesNotMatch(time.text, /T\d\d:/, `${time.text} is not the ISO form`);
    }
  }

  it('names every sign-in method, quotes names per language, elides « de », and writes « (64 caractères max.) »', async () => {
    const wes =
      (await signIn(server.url, 'wes', PASSWORD)) &&
      (await server.server.services.db.selectFrom('users').select('id').where('username', '=', 'wes').executeTakeFirstOrThrow());
    const now = Date.now();
    await upsertConnection(server.server.services.db, {
      usernameKey: 'wes',
      userId: wes.id,
      appPasswordId: null,
      reason: null,
      method: 'recovery-code',
      application: null,
      ip: '127.0.0.9',
      client: CHROME,
      outcome: 'success',
      firstSeen: now,
      lastSeen: now,
      count: 1,
    });
    const { secret } = await passwordOf('wes', { name: 'Portable', application: 'webdav' });
    assert.equal((await use('wes', secret, 'Microsoft-WebDAV-MiniRedir/10.0.19045')).status, 204);

    const page = await newPage(browser);
    await openSignedIn(page, server, 'wes', '/settings/connections/recent');
    await page.getByText('Connexion web (mot de passe et code de récupération)').waitFor();
    await page.getByText("Mot de passe d'application « Portable »").waitFor();
    assert.equal(await page.getByText('recovery-code').count(), 0, 'no raw key');
    await assertOneDateFormat(page);
    await page.getByRole('tab', { name: "Mot de passe d'application" }).click();
    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    await page.getByText('(64 caractères max.)').waitFor();
    await page.keyboard.press('Escape');

    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('tab', { name: 'Recent connections' }).click();
    await page.getByText('Web sign-in (password and recovery code)').waitFor();
    await page.getByText('App password “Portable”').waitFor();
    assert.equal(await page.getByText('«').count(), 0, 'no French quotes in English');
    await assertAccessible(page, 'Recent connections in English');
    await page.context().close();

    const adminPage = await newPage(browser);
    await openSignedIn(adminPage, server, 'admin', '/admin/users');
    await adminPage.getByRole('link', { name: "Mots de passe d'admin", exact: true }).waitFor();
    await adminPage.getByRole('link', { name: 'Mots de passe de wes', exact: true }).waitFor();
    await adminPage.getByRole('button', { name: "Compte d'admin" }).waitFor();
    await adminPage.context().close();
  });

  it('names clients shortly, the full User-Agent on demand, and « Voir la carte » highlights the card', async () => {
    const { secret } = await passwordOf('xena', { name: 'Synchro du NAS', application: 'webdav' });
    await use('xena', secret, 'rclone/v1.60.0');
    const page = await newPage(browser);
    await openSignedIn(page, server, 'xena', '/settings/connections/recent');
    const row = page.locator('li.connection', { hasText: 'rclone 1.60' });
    await row.getByText('rclone 1.60', { exact: true }).click();
    await row.getByText('rclone/v1.60.0').waitFor();
    const web = page.locator('li.connection', { hasText: 'Chrome' }).first();
    await web.waitFor();
    await row.getByRole('link', { name: 'Voir la carte' }).click();
    const card = page.locator('li.app-password', { hasText: 'Synchro du NAS' });
    await page.waitForFunction(() => document.activeElement?.classList.contains('highlighted') === true);
    assert.match((await card.getAttribute('class')) ?? '', /highlighted/);
    await assertAccessible(page, 'a highlighted card');
    await page.context().close();
  });

  it('offers expiry presets up to the policy, a date, and states the allowed range in the error', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'yan', '/settings/connections/app-passwords');
    await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
    const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
    await dialog.getByLabel('Nom de la connexion').fill('Un mois');
    assert.equal(await dialog.getByLabel('365 jours (par défaut, le maximum permis)').isChecked(), true);
    for (const preset of ['30 jours', '90 jours']) await dialog.getByLabel(preset, { exact: true }).waitFor();
    await dialog.getByLabel("Jusqu'à une date précise").check();
    const date = dialog.getByLabel("Date d'expiration");
    await date.fill(`${new Date().getFullYear() + 3}-01-01`);
    await assertAccessible(page, 'the expiry choices');
    await dialog.getByRole('button', { name: 'Générer' }).click();
    await dialog.getByText('La durée doit être comprise entre 1 et 365 jours.').waitFor();
    await dialog.getByLabel('30 jours', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Générer' }).click();
    await dialog.getByRole('button', { name: 'Copier le mot de passe' }).click();
    await dialog.getByRole('button', { name: 'Terminer' }).click();
    const reply = await (await signIn(server.url, 'yan', PASSWORD)).call('/api/v1/app-passwords');
    const made = (reply.json.appPasswords as { name: string; expiresAt: string; createdAt: string }[]).find(
      (p) => p.name === 'Un mois',
    )!;
    assert.equal(Math.round((Date.parse(made.expiresAt) - Date.parse(made.createdAt)) / 86_400_000), 30);
    await page.context().close();
  });

  it('shows « 2 / 2 » and why « + » is off at the limit; searches, sorts and compacts the list', async () => {
    await admin.call('/api/v1/admin/policy', { method: 'PUT', body: { maxActiveAppPasswords: 2 } });
    try {
      await passwordOf('zoe', { name: 'Zèbre' });
      await passwordOf('zoe', { name: 'Antilope' });
      const page = await newPage(browser);
      await openSignedIn(page, server, 'zoe', '/settings/connections/app-passwords');
      await page.getByText('2 / 2', { exact: true }).waitFor();
      await page.getByText('Vous avez atteint les 2 mots de passe actifs permis').waitFor();
      const add = page.getByRole('button', { name: "Créer un mot de passe d'application" });
      assert.equal(await add.getAttribute('aria-disabled'), 'true');
      await add.click({ force: true });
      assert.equal(await page.getByRole('dialog').count(), 0, 'no dialog at the limit');

      const names = () => page.locator('li.app-password h3').allInnerTexts();
      await page.getByLabel('Trier par').selectOption({ label: 'Nom' });
      assert.deepEqual(
        (await names()).map((n) => n.replace(/^Nom\s*/, '')),
        ['Antilope', 'Zèbre'],
      );
      await page.getByLabel('Chercher par nom').fill('zèb');
      assert.deepEqual(
        (await names()).map((n) => n.replace(/^Nom\s*/, '')),
        ['Zèbre'],
      );
      await page.getByLabel('Chercher par nom').fill('');
      await page.getByLabel('Liste compacte').check();
      assert.match((await page.locator('ul.cards').first().getAttribute('class')) ?? '', /compact/);
      await assertAccessible(page, 'the list at its limit, compact');
      await page.context().close();
    } finally {
      await admin.call('/api/v1/admin/policy', { method: 'PUT', body: { maxActiveAppPasswords: 50 } });
    }
  });

  it("keeps a password an administrator revoked in the user's « Historique », naming who", async () => {
    const { id } = await passwordOf('xena', { name: 'Ancienne tablette' });
    assert.equal((await admin.call(`/api/v1/admin/app-passwords/${id}`, { method: 'DELETE' })).status, 204);
    const page = await newPage(browser);
    await openSignedIn(page, server, 'xena', '/settings/connections/app-passwords');
    assert.equal(await page.locator('li.app-password', { hasText: 'Ancienne tablette' }).count(), 0);
    await page.getByText(/^Historique \(\d+\)$/).click();
    const ended = page.locator('li.ended', { hasText: 'Ancienne tablette' });
    await ended.getByText('Révoqué par admin le').waitFor();
    await assertOneDateFormat(page);
    await assertAccessible(page, 'the history');
    await page.context().close();
  });

  it('lists users with 2FA and last sign-in, finds one, resets 2FA; the audit log speaks labels and names owners', async () => {
    const zoe = await server.server.services.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'zoe')
      .executeTakeFirstOrThrow();
    await setTotpSecret(server.server.services, zoe.id, generateTotpSecret());
    const page = await newPage(browser);
    await openSignedIn(page, server, 'admin', '/admin/users');
    const row = page.locator('li.user-row', { has: page.getByRole('heading', { name: 'zoe', exact: true }) });
    await row.getByText('activée').waitFor();
    await row.locator('time').waitFor();
    await page.getByLabel('Chercher un utilisateur').fill('xen');
    assert.deepEqual(await page.locator('li.user-row h3').allInnerTexts(), ['xena']);
    await page.getByLabel('Chercher un utilisateur').fill('');
    await row.getByRole('button', { name: 'Réinitialiser la double authentification de zoe' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Réinitialiser la double authentification de zoe ?' });
    await assertAccessible(page, 'the 2FA reset confirmation');
    await confirm.getByRole('button', { name: 'Réinitialiser' }).click();
    await page.getByText('Double authentification de zoe réinitialisée.').waitFor();
    await row.getByText('non activée').waitFor();
    await assertAccessible(page, 'the users list');

    await page.goto(`${server.url}/admin/audit`);
    await page.getByLabel('Action').locator('option', { hasText: 'Compte réactivé' }).waitFor({ state: 'attached' });
    const options = await page.getByLabel('Action').locator('option').allInnerTexts();
    assert.ok(options.includes('Double authentification réinitialisée'), options.join(', '));
    assert.ok(options.includes('Compte réactivé'), 'actions absent from the page are offered too');
    await page.getByLabel('Action').selectOption({ label: "Mot de passe d'application créé" });
    await page.getByRole('cell', { name: 'Zèbre (de zoe)' }).waitFor();
    await assertOneDateFormat(page);
    await assertAccessible(page, 'the audit log');

    await page.goto(`${server.url}/admin/sso`);
    const docs = page.getByRole('link', { name: /La documentation de la connexion d'entreprise/ });
    assert.equal(await docs.getAttribute('href'), '/docs/sso.md');
    await page.context().close();
  });

  it('follows the system dark mode, which axe finds readable in French and English', async () => {
    for (const locale of ['fr-FR', 'en-US'] as const) {
      const page = await newPage(browser, locale);
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(`${server.url}/settings/connections/app-passwords`);
      await signInHere(
        page,
        'xena',
        locale === 'fr-FR' ? undefined : { username: 'Username', password: 'Password', submit: 'Sign in' },
      );
      await page.locator('li.app-password').first().waitFor();
      const background = await page.evaluate(
        () => getComputedStyle(document.querySelector('.content')!.parentElement!).backgroundImage,
      );
      assert.match(background, /rgb\(3, 7, 18\)/, 'the dark side bar');
      const page2 = await page.evaluate(() => getComputedStyle(document.body).color);
      assert.notEqual(page2, 'rgb(31, 41, 55)', 'light text on dark');
      await assertAccessible(page, `the app passwords tab in dark mode (${locale})`);
      if (locale === 'fr-FR') await saveFullPageScreenshot(page, 'dark-mode.png');
      await page.getByRole('tab', { name: locale === 'fr-FR' ? 'Connexions récentes' : 'Recent connections' }).click();
      await page.locator('li.connection').first().waitFor();
      await assertAccessible(page, `recent connections in dark mode (${locale})`);
      await page.context().close();
    }
  });
});

describe('web: the server unreachable under an open page', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'pat');
    const session = await signIn(server.url, 'pat', PASSWORD);
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Toujours là' } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps the cards on screen and shows the error above them with « Réessayer »', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'pat', '/settings/connections/app-passwords');
    const card = page.locator('li.app-password', { hasText: 'Toujours là' });
    await card.waitFor();
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('tab', { name: 'Connexions récentes' }).click();
    await page.getByRole('tab', { name: "Mot de passe d'application" }).click();
    const error = page.getByRole('alert').filter({ hasText: 'Le serveur est injoignable' });
    await error.waitFor();
    await card.waitFor();
    await page.unroute('**/api/v1/**');
    await error.getByRole('button', { name: 'Réessayer' }).click();
    await error.waitFor({ state: 'detached' });
    await card.waitFor();
    await page.context().close();
  });
});
