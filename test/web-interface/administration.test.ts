/**
 * The administration as an administrator meets it, in a real browser: their
 * own account offers no way to disable it, and says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { assertAccessible, launchBrowser, newPage } from '../helpers/browser.js';
import { addUsers, openSignedIn, startWebServer } from './support.js';

describe('web: administration', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    await addUsers(server, 'admin-ana', 'admin-ben', 'carl');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("offers no way to disable one's own account, and says why; other accounts keep theirs", async () => {
    const page = await newPage(browser);
    await openSignedIn(page, server, 'admin-ana', '/admin/users');
    const own = page.locator('li.user-row', { has: page.getByRole('heading', { name: 'admin-ana', exact: true }) });
    await own.getByText("C'est votre compte : vous ne pouvez pas le désactiver vous-même").waitFor();
    assert.equal(await own.getByRole('button', { name: 'Désactiver admin-ana' }).count(), 0);
    const other = page.locator('li.user-row', { has: page.getByRole('heading', { name: 'admin-ben', exact: true }) });
    await other.getByRole('button', { name: 'Désactiver admin-ben' }).waitFor();
    await assertAccessible(page, 'the users screen');
    await page.context().close();
  });
});
