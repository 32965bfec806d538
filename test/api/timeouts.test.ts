/**
 * Client time limits over real loopback sockets: a body trickled byte by byte
 * is cut with 408 REQUEST_TIMEOUT, a body that keeps flowing is not (there is
 * no limit on a request's total time), a silent connection is closed, and
 * headers that never finish are answered 408 — on the JSON API and on a
 * WebDAV upload, which the limits are tuned for (a trickled PUT is cut and
 * leaves no file; a slow PUT that keeps flowing is stored whole). The limits
 * are shortened for the test; the defaults are in src/http/timeouts.ts and
 * docs/SECURITY.md.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/http.js';
import { davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';
import { DEFAULT_TIMEOUTS, serverTimeoutOptions } from '../../src/http/timeouts.js';

// The idle limit is not what the first suite tests: long enough that a test process stalled for seconds
// under load is not cut by it (Node's idle timer fires before the stalled process reads what arrived).
const SHORT = { headersMs: 600, idleMs: 30_000, bodyWindowMs: 400, bodyMinBytes: 64 };

interface Exchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  /** Milliseconds from connecting to the server closing. */
  closedAfterMs: number;
}

/** Connects, runs `talk` (which writes), and resolves once the server closes the socket. */
function exchange(url: string, talk: (socket: net.Socket) => void, giveUpMs = 10_000): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: hostname, port: Number(port) }, () => talk(socket));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms; received: ${received}`));
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
  });
}

/** Writes `pieces` one after another, `everyMs` apart, until the socket closes; counts the pieces written. */
function trickle(socket: net.Socket, pieces: string[], everyMs: number): { written: number } {
  const progress = { written: 0 };
  const timer = setInterval(() => {
    if (socket.destroyed || progress.written >= pieces.length) {
      clearInterval(timer);
      return;
    }
    socket.write(pieces[progress.written++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
  return progress;
}

describe('client time limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'sqlite', timeouts: SHORT });
  });
  after(() => server.close());

  it('places no limit on the total time of a request, and limits headers and silence', () => {
    const options = serverTimeoutOptions(DEFAULT_TIMEOUTS);
    assert.equal(options.requestTimeout, 0);
    assert.equal(options.connectionTimeout, DEFAULT_TIMEOUTS.idleMs);
    assert.equal(options.http?.headersTimeout, DEFAULT_TIMEOUTS.headersMs);
  });

  it('cuts a body trickled one byte at a time with 408 REQUEST_TIMEOUT', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'x'.repeat(200) });
    let sent = { written: 0 };
    const result = await exchange(server.url, (socket) => {
      socket.write(
        `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      sent = trickle(socket, [...body], 100);
    });
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.match(result.received, /"code":"REQUEST_TIMEOUT"/);
    assert.ok(sent.written < body.length, `cut while the body was still arriving (${sent.written} of ${body.length} bytes)`);
  });

  it('does not cut a body that keeps flowing over many windows', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'y'.repeat(6_000) });
    const pieces = body.match(/[\s\S]{1,400}/g)!;
    const result = await exchange(server.url, (socket) => {
      socket.write(
        `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      );
      trickle(socket, pieces, 100);
    });
    assert.ok(pieces.length * 100 > 3 * SHORT.bodyWindowMs, 'the body spans several windows');
    assert.doesNotMatch(result.received, /^HTTP\/1\.1 408 /);
    assert.match(result.received, /^HTTP\/1\.1 (400|401) /, 'the request was read to its end and answered');
  });

  /** The head of a WebDAV PUT of `length` bytes, sent by hand. */
  function davPutHead(account: DavAccount, target: string, length: number): string {
    return (
      `PUT ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(account.username, account.password).authorization}\r\n` +
      `Content-Length: ${length}\r\nConnection: close\r\n\r\n`
    );
  }

  it('cuts a WebDAV PUT trickled one byte at a time with 408, leaving no file', async () => {
    const alice = await davAccount(server, 'trickler');
    const body = 'x'.repeat(200);
    let sent = { written: 0 };
    const result = await exchange(server.url, (socket) => {
      socket.write(davPutHead(alice, '/dav/slow.txt', body.length));
      sent = trickle(socket, [...body], 100);
    });
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.ok(sent.written < body.length, `cut while the body was still arriving (${sent.written} of ${body.length} bytes)`);
    assert.equal((await rawRequest(server, alice, 'GET', '/dav/slow.txt')).status, 404);
    const listing = await rawRequest(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
    assert.doesNotMatch(listing.text, /slow\.txt|\.tmp/);
  });

  it('does not cut a WebDAV PUT that keeps flowing over many windows, and stores it whole', async () => {
    const alice = await davAccount(server, 'slow-uploader');
    const body = Array.from({ length: 6_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const pieces = body.match(/[\s\S]{1,400}/g)!;
    const result = await exchange(server.url, (socket) => {
      socket.write(davPutHead(alice, '/dav/flowing.txt', body.length));
      trickle(socket, pieces, 100);
    });
    assert.ok(pieces.length * 100 > 3 * SHORT.bodyWindowMs, 'the body spans several windows');
    assert.match(result.received, /^HTTP\/1\.1 201 /);
    assert.equal((await rawRequest(server, alice, 'GET', '/dav/flowing.txt')).text, body);
  });

  it('answers 408 REQUEST_TIMEOUT to headers that never finish', async () => {
    const header = [...('X-Slow: ' + 'z'.repeat(200))];
    let sent = { written: 0 };
    const result = await exchange(server.url, (socket) => {
      socket.write('GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      sent = trickle(socket, header, 50);
    });
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.match(result.received, /"code":"REQUEST_TIMEOUT"/);
    assert.ok(
      sent.written < header.length,
      `cut while the header was still arriving (${sent.written} of ${header.length} bytes)`,
    );
  });
});

describe('a server stalled past a body window', () => {
  const STALL_MS = 2.5 * SHORT.bodyWindowMs;
  let server: TestServer;
  before(async () => {
    server = await startServer({
      dialect: 'sqlite',
      timeouts: SHORT,
      // For a request marked x-stall, blocks the process right after the body check's first turn: a timer
      // of the same period, set after the check's, runs next in the same turn, before any socket read.
      beforeListen: ({ app }) =>
        app.addHook('onRequest', (request, _reply, done) => {
          if (request.headers['x-stall'] !== undefined)
            setTimeout(() => {
              const until = Date.now() + STALL_MS;
              while (Date.now() < until);
            }, SHORT.bodyWindowMs);
          done();
        }),
    });
  });
  after(() => server.close());

  it('does not cut a body that kept arriving while the server was stalled', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'w'.repeat(6_000) });
    const result = await exchange(server.url, (socket) => {
      socket.write(
        `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Stall: 1\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      );
      trickle(socket, body.match(/[\s\S]{1,400}/g)!, 100);
    });
    assert.match(result.received, /^HTTP\/1\.1 (400|401) /, 'the request was read to its end and answered');
    assert.ok(result.closedAfterMs > STALL_MS, 'the server stalled during the body');
  });
});

describe('idle connections', () => {
  // Headers may take long here, so that silence is what closes the connection.
  const IDLE = { ...SHORT, headersMs: 10_000, idleMs: 500 };
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'sqlite', timeouts: IDLE });
  });
  after(() => server.close());

  it('closes a connection that stays silent, without an answer', async () => {
    const result = await exchange(server.url, () => undefined, 2 * IDLE.headersMs);
    assert.equal(result.received, '');
    assert.ok(result.closedAfterMs >= 450, `closed after ${result.closedAfterMs} ms`);
    assert.ok(
      result.closedAfterMs < IDLE.headersMs,
      `closed by the idle limit, not the header limit (${result.closedAfterMs} ms)`,
    );
  });
});
