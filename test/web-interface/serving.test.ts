/**
 * The web interface is served at `/` by the same server: its built files,
 * and index.html for HTML navigations to client routes — never under
 * another surface's prefix, whose unknown paths keep their JSON 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureWebBuild } from '../helpers/browser.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web-ui/web-ui.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('web interface serving', () => {
  let server: TestServer;
  before(async () => {
    await ensureWebBuild();
    server = await startServer({ dialect: 'sqlite' });
  });
  after(() => server.close());

  it('serves the interface at / without a session', async () => {
    const reply = await request(server.url, '/', { headers: HTML });
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
    assert.match(reply.text, /<div id="root"><\/div>/);
  });

  it('forbids other origins and framing on every page of the interface', async () => {
    for (const path of ['/', '/settings/connections/recent']) {
      const reply = await request(server.url, path, { headers: HTML });
      assert.equal(reply.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
      assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'.*frame-ancestors 'none'/);
    }
  });

  it('serves index.html for a reload on a client route', async () => {
    for (const path of ['/settings/connections/app-passwords', '/admin/audit?cursor=abc', '/signin']) {
      const reply = await request(server.url, path, { headers: HTML });
      assert.equal(reply.status, 200, path);
      assert.match(reply.text, /<div id="root"><\/div>/, path);
    }
  });

  it('serves the built assets with a long cache, and refers to no other origin', async () => {
    const index = await request(server.url, '/', { headers: HTML });
    const assets = [...index.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2, 'a script and a style sheet');
    assert.doesNotMatch(index.text, /(?:src|href)="(?:https?:)?\/\//);
    for (const asset of assets) {
      const reply = await request(server.url, asset);
      assert.equal(reply.status, 200, asset);
      assert.match(reply.headers['cache-control'] ?? '', /immutable/, asset);
    }
  });

  it('keeps the JSON 404 of other surfaces and of unknown files', async () => {
    for (const path of [
      '/api/v1/nope',
      '/api',
      '/remote.php/dav/files/a/',
      '/ocs/v1.php/x',
      '/status.php',
      '/s/abc',
      '/auth/oidc/x',
      '/assets/nope.js',
    ]) {
      const reply = await request(server.url, path, { headers: HTML });
      assert.equal(reply.status, 404, path);
      assert.equal(reply.json?.error?.code, 'NOT_FOUND', path);
    }
  });

  it('serves the documentation the interface links to as plain text, and nothing else under /docs/', async () => {
    const sso = await request(server.url, '/docs/sso.md');
    assert.equal(sso.status, 200);
    assert.match(sso.headers['content-type'] ?? '', /^text\/plain; charset=utf-8/);
    assert.equal(sso.headers['x-content-type-options'], 'nosniff');
    assert.match(sso.text, /OIDC_ISSUER/);
    for (const path of ['/docs/..%2Fpackage.json', '/docs/nope.md', '/docs/SSO.md', '/docs/']) {
      assert.equal((await request(server.url, path)).status, 404, path);
    }
  });

  it('leaves /dav/ to WebDAV: an HTML navigation there gets the Basic challenge, not the page', async () => {
    const reply = await request(server.url, '/dav/x', { headers: HTML });
    assert.equal(reply.status, 401);
    assert.match(String(reply.headers['www-authenticate'] ?? ''), /^Basic realm="Sesame"/);
    assert.doesNotMatch(String(reply.headers['content-type'] ?? ''), /text\/html/);
  });

  it('answers index.html only to GET and HEAD navigations that ask for HTML', async () => {
    assert.equal((await request(server.url, '/settings', { headers: { accept: 'application/json' } })).status, 404);
    assert.equal((await request(server.url, '/settings', { method: 'POST', headers: HTML, body: {} })).status, 404);
    assert.equal((await request(server.url, '/settings', { method: 'HEAD', headers: HTML })).status, 200);
  });
});
