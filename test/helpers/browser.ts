/**
 * The real browser of the end-to-end tests: Debian's chromium driven by
 * playwright-core (never a downloaded browser), headless, one per test file;
 * the web build brought up to date once (under a lock, since test files run
 * in parallel); axe-core checks of the page as it is.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, ensureBuilt } from './build.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-gpu',
  '--headless',
];
/** Generous: the first page load on two shared cores can be slow. */
export const UI_TIMEOUT_MS = 30_000;

/** Builds the web interface if a source is newer than the build (vite, a few seconds). */
export function ensureWebBuild(): Promise<void> {
  return ensureBuilt({
    sources: path.join(ROOT, 'web'),
    marker: path.join(ROOT, 'dist/web/index.html'),
    lock: path.join(ROOT, 'dist/.web-build.lock'),
    args: [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
  });
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No browser at ${CHROMIUM}: install the Debian package "chromium" (apt-get install chromium).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** What each page logged as an error: a script error or a blocked load (Content-Security-Policy) fails the checks. */
const pageErrors = new WeakMap<Page, string[]>();

/** A fresh page (own cookies and storage) in the given language, with generous timeouts. */
export async function newPage(browser: Browser, locale: 'fr-FR' | 'en-US' = 'fr-FR', width = 1280): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core on the page as it is now; fails on any serious or critical
 * violation, and on any script error or Content-Security-Policy refusal the
 * page has logged (a refused API call, 401 or 4xx, is an expected outcome).
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const errors = (pageErrors.get(page) ?? []).filter(
    (text) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(text),
  );
  assert.deepEqual(errors, [], `errors logged by the page before checking ${what}`);
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not block.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((n) => n.target))}`,
    );
  assert.deepEqual(serious, [], `accessibility of ${what}`);
}

/** Where README's screenshots go, when SESAME_SCREENSHOTS is set (docs/images). */
export function screenshotPath(name: string): string | undefined {
  return process.env.SESAME_SCREENSHOTS ? path.join(ROOT, 'docs/images', name) : undefined;
}

/**
 * A picture of the whole page for README (when SESAME_SCREENSHOTS is set),
 * taken from the top: the side bar is sticky, so a page captured while
 * scrolled would show it halfway down, where no window ever shows it.
 */
export async function saveFullPageScreenshot(page: Page, name: string): Promise<void> {
  const file = screenshotPath(name);
  if (!file) return;
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true });
}
