/**
 * Set-up of the end-to-end suites: a server on SQLite with its web
 * interface, users created through the domain, and the sign-in steps as a
 * person does them. Nothing here is under test.
 */
import type { Page } from 'playwright-core';
import type { Clock } from '../../src/context.js';
import { addUser, startServer, type TestServer } from '../helpers/server.js';
import { ensureWebBuild } from '../helpers/browser.js';
import { PASSWORD } from '../api/support.js';

export { PASSWORD };

export async function startWebServer(options: { clock?: Clock } = {}): Promise<TestServer> {
  await ensureWebBuild();
  return startServer({ dialect: 'sqlite', ...options });
}

export async function addUsers(server: TestServer, ...names: string[]): Promise<void> {
  for (const name of names) await addUser(server, name, PASSWORD, name.startsWith('admin') ? 'admin' : 'user');
}

/** Fills the sign-in form that the page shows now. */
export async function signInHere(
  page: Page,
  username: string,
  labels = { username: "Nom d'utilisateur", password: 'Mot de passe', submit: 'Se connecter' },
) {
  await page.getByLabel(labels.username, { exact: true }).fill(username);
  await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: labels.submit }).click();
}

/** The avatar button's name in French: « Compte de bob », « Compte d'alice » (elided before a vowel or h). */
export function accountButton(username: string): string {
  return /^[aeiouyhàâäéèêëîïôöùûüœæ]/i.test(username) ? `Compte d'${username}` : `Compte de ${username}`;
}

export async function openSignedIn(page: Page, server: TestServer, username: string, path = '/'): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await signInHere(page, username);
  await page.getByRole('button', { name: accountButton(username) }).waitFor();
}
