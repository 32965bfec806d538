/**
 * Nothing is lost without warning, in a real browser: Configurer says which
 * client a reassignment cuts off (and its last use), and Connexions
 * récentes then names the refused password and why; a secret shown once
 * says so in its dialog, and closing it before it was copied, selected or
 * downloaded asks first; focus returns to the new card.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
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
      body: { name: 'rclone du NAS', application: 'webdav' },
    });
    const secret = created.json.password as string;
    const use = () =>
      request(server.url, '/api/v1/forward-auth/webdav', {
        headers: { ...basic('rita', secret), 'user-agent': 'rclone/v1.60.0' },
      });
    assert.equal((await use()).status, 204);

    const page = await newPage(browser);
    await openSignedIn(page, server, 'rita', '/settings/connections/app-passwords');
    const card = page.locator('li.app-password', { hasText: 'rclone du NAS' });
    await card.getByRole('button', { name: 'Configurer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Configurer « rclone du NAS »' });
    const application = dialog.getByLabel('Application');
    await application.selectOption({ label: 'Connecteur Outlook' });
    const warning = dialog.locator('#configure-cut-off');
    await warning.getByText('Ce mot de passe est utilisé par « Lecteur réseau WebDAV »').waitFor();
    await warning.getByText('rclone/v1.60.0').waitFor();
    assert.match((await application.getAttribute('aria-describedby')) ?? '', /configure-cut-off/);
    await assertAccessible(page, 'the Configurer dialog warning of a cut-off');
    // Back to its own application: nothing would stop, nothing is said.
    await application.selectOption({ label: 'Lecteur réseau WebDAV' });
    await warning.waitFor({ state: 'detached' });
    await application.selectOption({ label: 'Connecteur Outlook' });
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await card.getByText('Mot de passe - Connecteur Outlook').waitFor();

    assert.equal((await use()).status, 401);
    await page.getByRole('tab', { name: 'Connexions récentes' }).click();
    const refused = page.locator('li.connection.failure', { hasText: 'rclone/v1.60.0' });
    await refused.getByText("Mot de passe d'application « rclone du NAS »").waitFor();
    await refused
      .getByText("ce mot de passe est affecté à une autre application que celle qui l'a utilisé", { exact: false })
      .waitFor();
    await assertAccessible(page, 'a refused use in Connexions récentes');
    await page.context().close();
  });
});
