/**
 * Administration → Utilisateurs, linking a local account to an SSO identity,
 * in a real browser (Debian chromium) in French, against a real OpenID
 * provider on loopback: the link button of a local account, the dialog
 * saying what the account loses, the account then shown as SSO; and each
 * refusal of the API (identity taken, account already SSO, provider
 * unreachable) shown in the dialog as the interface's own French sentence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, ensureWebBuild, launchBrowser, newPage } from '../helpers/browser.js';
import { startSsoWorld, type SsoWorld } from '../api/sso-support.js';
import { addAdmin } from '../api/support.js';
import { addUsers, openSignedIn } from './support.js';

/** Opens the link dialog of `username` on the users page and submits `subject`. */
async function linkHere(page: Page, username: string, subject: string) {
  await page.getByRole('button', { name: `Lier ${username} au SSO` }).click();
  const dialog = page.getByRole('dialog', { name: `Lier le compte ${username} à une identité SSO ?` });
  await dialog.getByLabel("Identifiant de l'utilisateur chez le fournisseur (sub)").fill(subject);
  await dialog.getByRole('button', { name: 'Lier', exact: true }).click();
  return dialog;
}

describe('web: an administrator links a local account to an SSO identity', () => {
  let world: SsoWorld;
  let browser: Browser;

  before(async () => {
    await ensureWebBuild();
    [world, browser] = await Promise.all([startSsoWorld('sqlite', {}), launchBrowser()]);
    await addUsers(world.sesame, 'admin1', 'marc', 'zoe', 'yann');
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  it('links marc: the dialog says what he loses, then his account shows as SSO without a link button', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, world.sesame, 'admin1', '/admin/users');
    await page.getByRole('button', { name: 'Lier marc au SSO' }).click();
    const dialog = page.getByRole('dialog', { name: 'Lier le compte marc à une identité SSO ?' });
    await dialog.getByText('Son mot de passe, sa double authentification et ses sessions sont supprimés').waitFor();
    await assertAccessible(page, 'the link dialog');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await dialog.waitFor({ state: 'detached' });

    await (await linkHere(page, 'marc', 'sub-marc')).waitFor({ state: 'detached' });
    await page.getByRole('status').getByText('marc se connecte désormais par le SSO.').waitFor();
    const marc = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'marc', exact: true }) });
    await marc.getByText('SSO', { exact: true }).waitFor();
    assert.equal(await marc.getByRole('button', { name: 'Lier marc au SSO' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Lier zoe au SSO' }).count(), 1, 'other local accounts keep theirs');
    await page.context().close();
  });

  it('says in French that the identity already belongs to another account, and keeps the dialog open', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, world.sesame, 'admin1', '/admin/users');
    const dialog = await linkHere(page, 'zoe', 'sub-marc');
    await dialog.getByRole('alert').getByText('Cette identité SSO appartient déjà à un autre compte.').waitFor();
    assert.equal(await dialog.getByLabel("Identifiant de l'utilisateur chez le fournisseur (sub)").inputValue(), 'sub-marc');
    await assertAccessible(page, 'the link dialog with its error');
    await page.context().close();
  });

  it('says in French that the account already signs in through SSO when it was linked meanwhile', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, world.sesame, 'admin1', '/admin/users');
    await page.getByRole('button', { name: 'Lier yann au SSO' }).waitFor();
    // Another administrator links yann while this page still shows him as local.
    const other = await addAdmin(world.sesame, 'admin2');
    const yann = (await other.call('/api/v1/admin/users')).json.users.find((u: { username: string }) => u.username === 'yann');
    const linked = await other.call(`/api/v1/admin/users/${yann.id}/sso-identity`, {
      method: 'PUT',
      body: { subject: 'sub-yann' },
    });
    assert.equal(linked.status, 200, linked.text);
    const dialog = await linkHere(page, 'yann', 'sub-yann-2');
    await dialog.getByRole('alert').getByText("Ce compte se connecte déjà par le service d'entreprise (SSO).").waitFor();
    await page.context().close();
  });
});

describe('web: linking while the SSO provider cannot be reached', () => {
  let world: SsoWorld;
  let browser: Browser;

  before(async () => {
    await ensureWebBuild();
    [world, browser] = await Promise.all([startSsoWorld('sqlite', {}, { providerDown: true }), launchBrowser()]);
    await addUsers(world.sesame, 'admin1', 'ines');
  });
  after(async () => {
    await browser?.close();
    await world?.sesame.close();
  });

  it('says in French that the identity provider cannot be reached, and links nothing', async () => {
    const page = await newPage(browser);
    await openSignedIn(page, world.sesame, 'admin1', '/admin/users');
    const dialog = await linkHere(page, 'ines', 'sub-ines');
    await dialog
      .getByRole('alert')
      .getByText("Le service d'identité est injoignable pour le moment : réessayez plus tard.")
      .waitFor();
    const ines = await world.sesame.server.services.db
      .selectFrom('users')
      .select('auth_source')
      .where('username', '=', 'ines')
      .executeTakeFirstOrThrow();
    assert.equal(ines.auth_source, 'local');
    await page.context().close();
  });
});
