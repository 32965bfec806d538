/**
 * What every reply says to a browser, on every surface and for errors
 * raised before routing: `X-Content-Type-Options: nosniff`, a
 * `Referrer-Policy`, and a Content-Security-Policy that forbids framing;
 * /dav/ replies are sandboxed besides. CONNECT, which Node hands to no route,
 * is answered in the error envelope instead of a closed socket. Headers do
 * not depend on the database: SQLite only.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureWebBuild } from '../helpers/browser.js';
import { dav, davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** Writes `raw` on a fresh connection and returns everything the server sent until it closed (or 5 s passed). */
function exchange(server: TestServer, raw: string): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(raw));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 5_000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
  });
}

describe('security headers of every reply', () => {
  let server: TestServer;
  let alice: DavAccount;
  before(async () => {
    await ensureWebBuild();
    server = await startServer({ dialect: 'sqlite' });
    alice = await davAccount(server, 'alice');
    assert.equal((await dav(server, alice, 'PUT', '/dav/page.html', { body: '<script>alert(1)</script>' })).status, 201);
  });
  after(() => server.close());

  it('sends nosniff, no referrer and frame-ancestors none on every surface, success or error', async () => {
    const replies = {
      'the interface': await request(server.url, '/', { headers: HTML }),
      'a client route of the interface': await request(server.url, '/settings/connections/recent', { headers: HTML }),
      'the OpenAPI document': await request(server.url, '/api/v1/openapi.json'),
      'a 401 of the API': await request(server.url, '/api/v1/me'),
      'a 400 of the API': await request(server.url, '/api/v1/session', { method: 'POST', body: '{' }),
      'a 404 outside every surface': await request(server.url, '/no/such/thing'),
      'a malformed URL': await request(server.url, '/api/v1/%E0%A4%A'),
      'a 401 of /dav/': await rawRequest(server, null, 'PROPFIND', '/dav/'),
      'OPTIONS of /dav/': await rawRequest(server, null, 'OPTIONS', '/dav/'),
      'a file of /dav/': await dav(server, alice, 'GET', '/dav/page.html'),
      'a listing of /dav/': await dav(server, alice, 'GET', '/dav/'),
      'a PROPFIND of /dav/': await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } }),
      'a 400 of /dav/': await dav(server, alice, 'GET', '/dav/%2e%2e/x'),
      'a malformed URL under /dav/': await dav(server, alice, 'GET', '/dav/%E0%A4%A'),
    };
    for (const [what, reply] of Object.entries(replies)) {
      assert.equal(reply.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(reply.headers['referrer-policy'], 'no-referrer', what);
      assert.match(String(reply.headers['content-security-policy']), /frame-ancestors 'none'/, what);
    }
  });

  it('sandboxes every reply of /dav/, so an uploaded page never runs as one of this origin', async () => {
    for (const target of ['/dav/page.html', '/dav/']) {
      const reply = await dav(server, alice, 'GET', target);
      assert.equal(reply.status, 200);
      const policy = String(reply.headers['content-security-policy']);
      assert.match(policy, /(^|; )sandbox(;|$)/, target);
      assert.match(policy, /default-src 'none'/, target);
    }
  });

  it('answers CONNECT with 400 REQUEST_INVALID in the error envelope, then serves the next connection', async () => {
    const answer = await exchange(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error.code, 'REQUEST_INVALID');
    assert.equal((await request(server.url, '/api/v1/openapi.json')).status, 200);
  });
});
