/**
 * Client time limits over real loopback sockets: a body trickled byte by byte
 * is cut with 408 REQUEST_TIMEOUT, a body that keeps flowing is not (there is
 * no limit on a request's total time), a silent connection is closed, and
 * headers that never finish are answered 408. The limits are shortened for
 * the test; the defaults are in src/http/timeouts.ts and docs/SECURITY.md.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server.js';
import { DEFAULT_TIMEOUTS, serverTimeoutOptions } from '../../src/http/timeouts.js';

const SHORT = { headersMs: 600, idleMs: 800, bodyWindowMs: 400, bodyMinBytes: 64 };

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

/** Writes `pieces` one after another, `everyMs` apart, until the socket closes. */
function trickle(socket: net.Socket, pieces: string[], everyMs: number): void {
  let next = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || next >= pieces.length) {
      clearInterval(timer);
      return;
    }
    socket.write(pieces[next++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
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
    const result = await exchange(server.url, (socket) => {
      socket.write(
        `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      trickle(socket, [...body], 100);
    });
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.match(result.received, /"code":"REQUEST_TIMEOUT"/);
    assert.ok(result.closedAfterMs < 3_000, `cut after ${result.closedAfterMs} ms`);
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

  it('answers 408 REQUEST_TIMEOUT to headers that never finish', async () => {
    const result = await exchange(server.url, (socket) => {
      socket.write('GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(socket, [...('X-Slow: ' + 'z'.repeat(200))], 50);
    });
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.match(result.received, /"code":"REQUEST_TIMEOUT"/);
    assert.ok(result.closedAfterMs < 4_000, `cut after ${result.closedAfterMs} ms`);
  });
});

describe('idle connections', () => {
  let server: TestServer;
  before(async () => {
    // Headers may take long here, so that silence is what closes the connection.
    server = await startServer({ dialect: 'sqlite', timeouts: { ...SHORT, headersMs: 10_000, idleMs: 500 } });
  });
  after(() => server.close());

  it('closes a connection that stays silent, without an answer', async () => {
    const result = await exchange(server.url, () => undefined);
    assert.equal(result.received, '');
    assert.ok(result.closedAfterMs >= 450 && result.closedAfterMs < 4_000, `closed after ${result.closedAfterMs} ms`);
  });
});
