/**
 * A reverse-proxy setup that users would feel is said in the log, with its
 * fix, instead of failing silently: PUBLIC_URL https with no TRUST_PROXY
 * (at start); a proxy forwarding requests that TRUST_PROXY does not name
 * (every client would look like it: one person's failures throttle all),
 * once per proxy; a browser on plain http while PUBLIC_URL is https (its
 * Secure session cookie would be dropped: a sign-in loop), once per origin.
 * A correct setup says nothing, and no request is refused for it.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';

async function withServer(
  env: Record<string, string>,
  work: (server: TestServer, log: () => string) => Promise<void>,
): Promise<void> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const server = await startServer({ dialect: 'sqlite', logStream: stream, env: { LOG_LEVEL: 'warn', ...env } });
  try {
    await work(server, () => text);
  } finally {
    await server.close();
  }
}

const linesMatching = (log: string, pattern: RegExp) =>
  log
    .split('\n')
    .filter((line) => pattern.test(line))
    .map((line) => JSON.parse(line) as { level: number; msg: string });

const signIn = (server: TestServer, headers: Record<string, string>) =>
  request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'nobody', password: 'wrong' }, headers });

describe('a broken proxy setup is said in the log', () => {
  it('warns at start that PUBLIC_URL is https while TRUST_PROXY names no proxy', async () => {
    await withServer({ PUBLIC_URL: 'https://files.example.org' }, async (_server, log) => {
      const [warning] = linesMatching(log(), /TRUST_PROXY names no proxy/);
      assert.ok(warning, log());
      assert.equal(warning.level, 40);
      assert.match(warning.msg, /Set TRUST_PROXY to the proxy's address/);
    });
  });

  it('names a proxy that forwards requests without being trusted, once, and still serves its requests', async () => {
    await withServer({ PUBLIC_URL: 'https://files.example.org', TRUST_PROXY: '10.0.0.0/8' }, async (server, log) => {
      for (let i = 0; i < 3; i++) {
        const reply = await request(server.url, '/healthz', {
          headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
        });
        assert.equal(reply.status, 200);
      }
      await sleep(50);
      const errors = linesMatching(log(), /forwards requests \(X-Forwarded-For\)/);
      assert.equal(errors.length, 1, log());
      assert.equal(errors[0]!.level, 50);
      assert.match(errors[0]!.msg, /a proxy at 127\.0\.0\.1 .* Add it to TRUST_PROXY/);
    });
  });

  it('names a browser on plain http (by its Origin, or a trusted proxy saying http) while PUBLIC_URL is https, once per origin', async () => {
    await withServer({ PUBLIC_URL: 'https://files.example.org', TRUST_PROXY: '127.0.0.1' }, async (server, log) => {
      for (let i = 0; i < 2; i++) assert.equal((await signIn(server, { origin: 'http://files.example.org' })).status, 401);
      assert.equal(
        (await signIn(server, { 'x-forwarded-for': '192.0.2.10', 'x-forwarded-proto': 'http', host: 'sesame.example.org' }))
          .status,
        401,
      );
      await sleep(50);
      const errors = linesMatching(log(), /the session cookie is Secure/);
      assert.deepEqual(
        errors.map((line) => /over http \(([^)]*)\)/.exec(line.msg)?.[1]),
        ['http://files.example.org', 'http://sesame.example.org'],
        'once for the browser that said its Origin twice, once for the request the proxy forwarded from http',
      );
      assert.ok(errors.every((line) => line.level === 50 && /sign-in loops/.test(line.msg)));
      assert.doesNotMatch(log(), /forwards requests/, 'the proxy is trusted');
    });
  });

  it('says nothing of a correct setup: a trusted proxy forwarding https, or a plain http server', async () => {
    await withServer({ PUBLIC_URL: 'https://files.example.org', TRUST_PROXY: '127.0.0.1' }, async (server, log) => {
      await signIn(server, {
        origin: 'https://files.example.org',
        'x-forwarded-for': '192.0.2.10',
        'x-forwarded-proto': 'https',
      });
      await sleep(50);
      assert.equal(log().trim(), '', log());
    });
    await withServer({}, async (server, log) => {
      await signIn(server, { origin: 'http://127.0.0.1:8080', 'x-forwarded-for': '192.0.2.10' });
      await sleep(50);
      assert.doesNotMatch(log(), /session cookie is Secure|TRUST_PROXY names no proxy/);
    });
  });
});
