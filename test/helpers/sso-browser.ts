/**
 * A browser reduced to what a sign-in through an OpenID provider needs, for
 * API tests: plain HTTP requests (helpers/http.ts) with a cookie jar per
 * origin and redirects followed by hand, and the provider's development
 * login and consent forms filled in. The browser test does the same in
 * chromium.
 */
import assert from 'node:assert/strict';
import { request, sessionWith, type HttpReply, type HttpRequest, type Session } from './http.js';

export class CookieBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  /** One request with the origin's cookies; cookies it sets are kept (and removed when expired). */
  async fetch(url: string | URL, options: HttpRequest = {}): Promise<HttpReply> {
    const target = new URL(url);
    const jar = this.jars.get(target.origin) ?? new Map<string, string>();
    this.jars.set(target.origin, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const reply = await request(target.origin, target.pathname + target.search, {
      ...options,
      headers: { ...(cookie === '' ? {} : { cookie }), ...options.headers },
    });
    for (const line of reply.headers['set-cookie'] ?? []) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const equals = pair.indexOf('=');
      const name = pair.slice(0, equals);
      const value = pair.slice(equals + 1);
      const expired = attributes.some(
        (attribute) =>
          /^max-age=(0|-\d+)$/i.test(attribute) || (/^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) <= Date.now()),
      );
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return reply;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(new URL(origin).origin)?.get(name);
  }

  /** Forgets one cookie of an origin (as another browser would not have it). */
  forget(origin: string, name: string): void {
    this.jars.get(new URL(origin).origin)?.delete(name);
  }
}

function location(reply: HttpReply, base: string | URL): URL {
  const header = reply.headers.location;
  assert.ok(header, `expected a redirect, got ${reply.status} ${reply.text.slice(0, 300)}`);
  return new URL(header, base);
}

/** GET /auth/oidc/start at Sésame; the provider's authorization URL it redirects to. */
export async function startSso(browser: CookieBrowser, sesameUrl: string, returnTo?: string): Promise<URL> {
  const start = new URL('/auth/oidc/start', sesameUrl);
  if (returnTo !== undefined) start.searchParams.set('returnTo', returnTo);
  const reply = await browser.fetch(start);
  assert.equal(reply.status, 303, reply.text);
  const authorizationUrl = location(reply, start);
  assert.notEqual(
    authorizationUrl.origin,
    start.origin,
    `Sésame did not send the browser to the provider: ${authorizationUrl.href}`,
  );
  return authorizationUrl;
}

/**
 * Signs in at the provider as `sub` and consents (or cancels), following its
 * redirects until it sends the browser back to `redirectPrefix`; that URL
 * (with code, state, iss — or the error) is returned, not visited.
 */
export async function authorizeAtProvider(
  browser: CookieBrowser,
  authorizationUrl: URL,
  sub: string,
  redirectPrefix: string,
  options: { cancel?: boolean } = {},
): Promise<URL> {
  let url = authorizationUrl;
  for (let step = 0; step < 12; step += 1) {
    if (url.href.startsWith(redirectPrefix)) return url;
    const reply = await browser.fetch(url);
    if (reply.status >= 300 && reply.status < 400) {
      url = location(reply, url);
      continue;
    }
    assert.equal(reply.status, 200, `${url.href} answered ${reply.status}: ${reply.text.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(reply.text)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(reply.text)?.[1];
    assert.ok(action && prompt, `no login or consent form at ${url.href}`);
    const formUrl = new URL(action.replace(/&amp;/g, '&'), url);
    if (options.cancel) {
      url = new URL(`${formUrl.pathname}/abort`, url);
      continue;
    }
    const form = new URLSearchParams(prompt === 'login' ? { prompt, login: sub, password: 'any' } : { prompt });
    const posted = await browser.fetch(formUrl, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    url = location(posted, formUrl);
  }
  assert.fail('the provider never redirected back');
}

/** Visits Sésame's callback; the reply is a 303 to the page the browser lands on. */
export async function visitCallback(browser: CookieBrowser, callbackUrl: URL, sesameUrl: string): Promise<URL> {
  const target = new URL(callbackUrl.pathname + callbackUrl.search, sesameUrl);
  const reply = await browser.fetch(target);
  assert.equal(reply.status, 303, reply.text);
  return location(reply, target);
}

/** The web session the browser holds at Sésame, as the helpers' Session (CSRF token read from GET /me). */
export async function sessionOf(browser: CookieBrowser, sesameUrl: string): Promise<Session> {
  const me = await browser.fetch(new URL('/api/v1/me', sesameUrl));
  assert.equal(me.status, 200, me.text);
  return sessionWith(sesameUrl, `sesame_session=${browser.cookie(sesameUrl, 'sesame_session')}`, me.json.csrfToken as string);
}
