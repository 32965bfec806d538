/**
 * In a real browser (Debian's chromium), a file uploaded to /dav/ never
 * runs with Sésame's origin: a page opened from /dav/ runs no script of its
 * own on this origin, and a script file uploaded there is refused when one
 * of the interface's own pages (whose policy allows this origin's scripts)
 * loads it. Files do not depend on the database: SQLite only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureWebBuild, launchBrowser, UI_TIMEOUT_MS } from '../helpers/browser.js';
import { dav, davAccount, type DavAccount } from '../helpers/dav.js';

const PAGE = `<!doctype html><html><head><title>uploaded</title></head><body>
<script>document.title = 'ran as ' + location.origin; try { localStorage.setItem('uploaded-page', 'ran'); } catch {}</script>
</body></html>`;
const SCRIPT = "window.uploadedScriptRan = location.origin; document.title = 'script ran';";

describe('files uploaded to /dav/ in chromium', () => {
  let server: TestServer;
  let alice: DavAccount;
  let browser: Browser;
  let context: BrowserContext;
  before(async () => {
    await ensureWebBuild();
    server = await startServer({ dialect: 'sqlite' });
    alice = await davAccount(server, 'alice');
    assert.equal((await dav(server, alice, 'PUT', '/dav/page.html', { body: PAGE })).status, 201);
    assert.equal((await dav(server, alice, 'PUT', '/dav/evil.js', { body: SCRIPT })).status, 201);
    browser = await launchBrowser();
    // The browser answers /dav/'s Basic challenge with alice's app password, as a signed-in drive would.
    context = await browser.newContext({
      httpCredentials: { username: alice.username, password: alice.password },
      acceptDownloads: false,
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens /dav/page.html without running its script as this origin', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.url}/dav/page.html`).catch(() => undefined);
    await page.waitForTimeout(500);
    assert.doesNotMatch(await page.title(), /ran as/);
    // Back on the origin itself: the page left nothing in its storage.
    await page.goto(`${server.url}/signin`);
    assert.equal(await page.evaluate(() => localStorage.getItem('uploaded-page')), null);
    await page.close();
  });

  it("refuses /dav/evil.js as a script of the interface's own page", async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.url}/signin`);
    const outcome = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const script = document.createElement('script');
          script.src = '/dav/evil.js';
          script.onload = () => resolve('loaded');
          script.onerror = () => resolve('refused');
          document.head.append(script);
        }),
    );
    assert.equal(outcome, 'refused');
    assert.equal(await page.evaluate(() => (window as unknown as { uploadedScriptRan?: string }).uploadedScriptRan), undefined);
    await page.close();
  });
});
