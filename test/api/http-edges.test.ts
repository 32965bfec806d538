/**
 * The HTTP edge of the JSON API, over real loopback HTTP (raw sockets where
 * a well-behaved client cannot send the request). Nothing here depends on
 * the database, so it runs on SQLite only:
 * - every error, framework-raised included (malformed URL, bad or empty
 *   JSON, body too large, unsupported media type, unknown route or method,
 *   malformed HTTP, headers too large), answers `{error:{code,message}}`
 *   with a stable code and passes the server's reply hooks;
 * - text encodings: a charset other than UTF-8 is 415, invalid UTF-8 and
 *   unpaired surrogates are 400, and none of them changes anything;
 * - the log keeps only the path of a request, also of an absolute-form
 *   target carrying `user:password`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from '../helpers/server.js';
import type { HttpReply, Session } from '../helpers/http.js';
import { ALL_TABLES, PASSWORD, assertError, assertUnchanged, userWithSession } from './support.js';

/** One request with the exact target, headers and body bytes given. */
function send(
  server: TestServer,
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpReply> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: target, headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = (res.headers['content-type'] ?? '').includes('json') && text !== '' ? JSON.parse(text) : undefined;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Raw bytes on a socket; the whole answer as text. */
function sendRaw(server: TestServer, bytes: string): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: { error: { code: string; message: string } } } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)?.[1]), headers: head!, body: JSON.parse(body!) };
}

function assertEnvelope(reply: HttpReply, status: number, code: string): void {
  assertError(reply, status, code);
  assert.deepEqual(Object.keys(reply.json), ['error']);
  assert.deepEqual(Object.keys(reply.json.error).sort(), ['code', 'message']);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  assert.equal(reply.headers['cache-control'], 'no-store');
}

describe('the HTTP edge of the JSON API', () => {
  let server: TestServer;
  let session: Session;
  let log = '';

  before(async () => {
    const logStream = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    server = await startServer({ dialect: 'sqlite', logStream });
    session = (await userWithSession(server, 'alice')).session;
  });
  after(async () => {
    await server?.close();
  });

  function create(body: Buffer | string, contentType = 'application/json'): Promise<HttpReply> {
    return send(server, 'POST', '/api/v1/app-passwords', {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': contentType },
      body,
    });
  }

  describe('every error in the envelope with a stable code', () => {
    it('answers a malformed URL with 400 URL_INVALID', async () => {
      assertEnvelope(await send(server, 'GET', '/api/v1/%ZZ'), 400, 'URL_INVALID');
      assertEnvelope(await send(server, 'GET', '/api/v1/app-passwords/%E0%A4%A'), 400, 'URL_INVALID');
    });

    it('answers malformed or empty JSON with 400 BODY_INVALID_JSON', async () => {
      for (const body of ['{"name": ', '', '[1,]', '{"name":"x"} trailing']) {
        assertEnvelope(await assertUnchanged(server, () => create(body), ALL_TABLES), 400, 'BODY_INVALID_JSON');
      }
    });

    it('answers a body over the limit with 413 BODY_TOO_LARGE', async () => {
      const body = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
      assertEnvelope(await assertUnchanged(server, () => create(body), ALL_TABLES), 413, 'BODY_TOO_LARGE');
    });

    it('answers any body that is not JSON with 415 MEDIA_TYPE_UNSUPPORTED', async () => {
      for (const type of [
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const reply = await assertUnchanged(server, () => create('name=Drive', type), ALL_TABLES);
        assertEnvelope(reply, 415, 'MEDIA_TYPE_UNSUPPORTED');
      }
    });

    it('answers an unknown route or an unknown method with 404 NOT_FOUND', async () => {
      assertEnvelope(await send(server, 'GET', '/api/v1/nowhere'), 404, 'NOT_FOUND');
      // `/` is the web interface (test/web-interface/serving.test.ts); any other unknown path that is not a page navigation is a JSON 404.
      assertEnvelope(await send(server, 'GET', '/nowhere'), 404, 'NOT_FOUND');
      assertEnvelope(await send(server, 'PUT', '/api/v1/session'), 404, 'NOT_FOUND');
      assertEnvelope(await send(server, 'PROPFIND', '/api/v1/me'), 404, 'NOT_FOUND');
    });

    it('answers malformed HTTP with 400 REQUEST_INVALID and headers too large with 431 HEADERS_TOO_LARGE, then closes', async () => {
      const malformed = parseRaw(await sendRaw(server, 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n'));
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'REQUEST_INVALID');
      assert.match(malformed.headers, /\r\nConnection: close/i);
      const large = parseRaw(await sendRaw(server, `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      assert.equal(large.status, 431);
      assert.equal(large.body.error.code, 'HEADERS_TOO_LARGE');
    });
  });

  describe('text encodings', () => {
    it('refuses a body declared in another charset with 415 CHARSET_UNSUPPORTED, changing nothing', async () => {
      const latin1 = Buffer.from('{"name":"Caf\u00e9"}', 'latin1');
      for (const type of [
        'application/json; charset=iso-8859-1',
        'application/json;charset="windows-1252"',
        'application/json; charset=utf-16',
      ]) {
        assertEnvelope(await assertUnchanged(server, () => create(latin1, type), ALL_TABLES), 415, 'CHARSET_UNSUPPORTED');
      }
    });

    it('accepts UTF-8 declared in any spelling, or not declared', async () => {
      for (const [name, type] of [
        ['Café 1', 'application/json; charset=UTF-8'],
        ['Café 2', 'application/json; charset="utf-8"'],
        ['Café 3', 'application/json'],
      ] as const) {
        const reply = await create(Buffer.from(JSON.stringify({ name }), 'utf8'), type);
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.json.appPassword.name, name);
      }
    });

    it('refuses invalid UTF-8 with 400 BODY_INVALID_UTF8 instead of replacing it, changing nothing', async () => {
      for (const bytes of [
        Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
        Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
        Buffer.concat([Buffer.from('{"name":"x'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      ]) {
        assertEnvelope(await assertUnchanged(server, () => create(bytes), ALL_TABLES), 400, 'BODY_INVALID_UTF8');
      }
    });

    it('refuses an unpaired surrogate escape, in a value or a key, with 400 BODY_UNPAIRED_SURROGATE', async () => {
      for (const body of ['{"name":"Drive \\ud800"}', '{"name":"\\udc00x"}', '{"name":"ok","\\ud83d":1}']) {
        assertEnvelope(await assertUnchanged(server, () => create(body), ALL_TABLES), 400, 'BODY_UNPAIRED_SURROGATE');
      }
      const signIn = await send(server, 'POST', '/api/v1/session', {
        headers: { 'content-type': 'application/json' },
        body: `{"username":"alice\\ud800","password":"${PASSWORD}"}`,
      });
      assertEnvelope(signIn, 400, 'BODY_UNPAIRED_SURROGATE');
    });

    it('accepts a surrogate pair written as escapes: it is one character', async () => {
      const reply = await create('{"name":"Drive \\ud83d\\ude00"}');
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.json.appPassword.name, 'Drive \u{1F600}');
    });
  });

  describe('the log', () => {
    it('keeps only the path of an absolute-form target, never its user:password or query', async () => {
      const reply = await send(
        server,
        'GET',
        `http://bob:s3cr3t-in-url@127.0.0.1:${new URL(server.url).port}/api/v1/me?pw=leak-me`,
      );
      assert.equal(reply.json?.error?.code, 'CREDENTIALS_IN_QUERY', 'refused, and the refused credential is not logged either');
      await send(server, 'GET', '/api/v1/%ZZ?token=leak-me-too');
      for (const secret of ['bob', 's3cr3t-in-url', 'leak-me', 'leak-me-too']) {
        assert.ok(!log.includes(secret), `the log contains "${secret}"`);
      }
      // A request's line is written once its answer has ended, just after the client has it.
      const loggedPaths = (): string[] =>
        log
          .split('\n')
          .filter((line) => line.includes('"msg":"request"'))
          .map((line) => JSON.parse(line).path);
      for (let wait = 0; wait < 100 && !loggedPaths().includes('/api/v1/%ZZ'); wait++) await sleep(20);
      const paths = loggedPaths();
      assert.ok(paths.includes('/api/v1/me'), `logged paths: ${paths.join(', ')}`);
      assert.ok(paths.includes('/api/v1/%ZZ'), `logged paths: ${paths.join(', ')}`);
    });
  });
});
