/**
 * The request log: exactly one JSON line per request, written when its
 * answer ends (also for a request no route matched, a malformed URL, and a
 * download its client abandoned, marked `aborted`), with the surface,
 * method, path without its query string, status, duration, client address
 * and — when the request acted for someone — the account id and how it was
 * authenticated; never a secret, an Authorization or Cookie value, or an
 * app password's name. LOG_FORMAT=pretty writes the same entries as one
 * readable line each.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { basic, request } from '../helpers/http.js';
import { createPassword, userWithSession } from '../api/support.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  surface?: string;
  method?: string;
  path?: string;
  statusCode?: number;
  durationMs?: number;
  remoteAddress?: string;
  accountId?: string;
  auth?: string;
  aborted?: boolean;
}

function collector(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('one log line per request', () => {
  let server: TestServer;
  const log = collector();
  const requestLines = (): Line[] =>
    log
      .text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => line.msg === 'request');
  /** Waits until `count` request lines are written (each once its answer has ended). */
  async function linesAfter(count: number): Promise<Line[]> {
    for (let wait = 0; wait < 200 && requestLines().length < count; wait++) await sleep(10);
    return requestLines();
  }

  before(async () => {
    server = await startServer({ dialect: 'sqlite', logStream: log.stream });
  });
  after(async () => {
    await server?.close();
  });

  it('writes one line per request with surface, method, path, status, duration, address and the account acting', async () => {
    const { session, id } = await userWithSession(server, 'alice');
    const drive = await createPassword(session, { name: 'Mon WebDAV très secret', application: 'webdav' });
    const before = requestLines().length;
    const replies = [
      await session.call('/api/v1/me?lang=fr&view=full'),
      await request(server.url, '/dav/', { method: 'PROPFIND', headers: { ...basic('alice', drive.secret), depth: '0' } }),
      await request(server.url, '/dav/', {
        method: 'PROPFIND',
        headers: { ...basic('alice', 'Not-the-secret-0000!'), depth: '0' },
      }),
      await request(server.url, '/api/v1/nowhere?x=1'),
      await request(server.url, '/api/v1/%ZZ'),
    ];
    assert.deepEqual(
      replies.map((reply) => reply.status),
      [200, 207, 401, 404, 400],
    );
    const lines = (await linesAfter(before + replies.length)).slice(before);
    assert.equal(lines.length, replies.length, JSON.stringify(lines));
    const [me, propfind, refused, notFound, badUrl] = lines as [Line, Line, Line, Line, Line];
    assert.deepEqual(
      {
        surface: me.surface,
        method: me.method,
        path: me.path,
        statusCode: me.statusCode,
        accountId: me.accountId,
        auth: me.auth,
      },
      { surface: 'api', method: 'GET', path: '/api/v1/me', statusCode: 200, accountId: id, auth: 'session' },
    );
    assert.deepEqual(
      { surface: propfind.surface, method: propfind.method, statusCode: propfind.statusCode, accountId: propfind.accountId },
      { surface: 'webdav', method: 'PROPFIND', statusCode: 207, accountId: id },
    );
    assert.equal(propfind.auth, 'app-password');
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.accountId, undefined, 'a refused request acted for no one');
    assert.deepEqual([notFound.path, notFound.statusCode], ['/api/v1/nowhere', 404]);
    assert.deepEqual([badUrl.path, badUrl.statusCode], ['/api/v1/%ZZ', 400]);
    for (const line of lines) {
      assert.equal(line.level, 30);
      assert.equal(typeof line.durationMs, 'number');
      assert.ok(line.durationMs! >= 0 && line.durationMs! < 10_000);
      assert.equal(line.remoteAddress, '127.0.0.1');
      assert.match(line.reqId ?? '', /^req-/);
    }
    const text = log.text();
    for (const secret of [
      drive.secret,
      'Not-the-secret-0000!',
      'Mon WebDAV très secret',
      'lang=fr',
      'x=1',
      session.cookie.split('=')[1]!,
    ]) {
      assert.ok(!text.includes(secret), `the log holds ${secret}`);
    }
    assert.doesNotMatch(text, /incoming request|request completed/, "Fastify's own two lines are replaced by the one line");
  });

  it('writes the line of a download its client abandoned, marked aborted', async () => {
    const { session } = await userWithSession(server, 'bob');
    const drive = await createPassword(session, { name: 'Drive', application: 'webdav' });
    const big = Buffer.alloc(32 * 1024 * 1024, 'b');
    const put = await request(server.url, '/dav/big.bin', {
      method: 'PUT',
      headers: basic('bob', drive.secret),
      body: big.toString(),
    });
    assert.equal(put.status, 201);
    const before = requestLines().length;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${server.url}/dav/big.bin`, { headers: basic('bob', drive.secret), agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    });
    const lines = (await linesAfter(before + 1)).slice(before);
    assert.equal(lines.length, 1);
    assert.deepEqual(
      [lines[0]!.method, lines[0]!.path, lines[0]!.statusCode, lines[0]!.aborted],
      ['GET', '/dav/big.bin', 200, true],
    );
  });

  it('writes readable lines with LOG_FORMAT=pretty, one per entry', async () => {
    const pretty = collector();
    const other = await startServer({ dialect: 'sqlite', logStream: pretty.stream, env: { LOG_FORMAT: 'pretty' } });
    try {
      await request(other.url, '/api/v1/applications?lang=fr');
      await sleep(200);
    } finally {
      await other.close();
    }
    const line = pretty
      .text()
      .split('\n')
      .find((candidate) => candidate.includes('/api/v1/applications'));
    assert.ok(line, pretty.text());
    assert.throws(() => JSON.parse(line), 'not JSON');
    assert.match(line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: request /);
    assert.match(line, /"statusCode":401/);
    assert.doesNotMatch(pretty.text(), /lang=fr/);
  });
});
