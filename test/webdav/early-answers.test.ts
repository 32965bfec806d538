/**
 * A PUT answered before its body is all read (507 over the quota, at once
 * or part-way; 401) never leaves a client that sends its whole body before
 * reading waiting: the server reads and drops the rest, up to 16 MiB, so
 * the answer arrives; past that it closes the connection. The client here
 * writes everything first, as Python's requests does. On SQLite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, startDavServer, type DavAccount } from '../helpers/dav.js';

const ADMIN = { userId: null, name: 'test', ip: '', client: '' };
const WAIT_MS = 10_000;

interface Outcome {
  /** What the server sent before the connection ended (or the wait ran out). */
  received: string;
  /** How the connection ended: closed by the server, reset, or still open when the wait ran out. */
  ending: 'closed' | 'reset' | 'still open';
  ms: number;
}

/** Sends the request head and the whole body, reading nothing until the body is written; then reads. */
function sendAllThenRead(server: TestServer, head: string, body: Buffer, chunked: boolean): Promise<Outcome> {
  const url = new URL(server.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let received = '';
    let settled = false;
    const settle = (ending: Outcome['ending']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, ending, ms: performance.now() - started });
    };
    const timer = setTimeout(() => settle('still open'), WAIT_MS);
    socket.pause();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // The answer is complete once its body (Content-Length) is in.
      const end = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(received)?.[1];
      if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) settle('closed');
    });
    socket.on('close', () => settle('closed'));
    socket.on('error', () => settle('reset'));
    socket.write(head);
    void (async () => {
      const step = 64 * 1024;
      for (let i = 0; i < body.length && !settled; i += step) {
        const part = body.subarray(i, i + step);
        const chunk = chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part;
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
      }
      if (chunked && !settled) socket.write('0\r\n\r\n');
      socket.resume();
    })().catch(() => settle('reset'));
  });
}

function putHead(account: DavAccount, headers: string): string {
  const credentials = Buffer.from(`${account.username}:${account.password}`).toString('base64');
  return `PUT /dav/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${credentials}\r\n${headers}\r\n`;
}

for (const dialect of DIALECTS) {
  describe(`a PUT answered before its body is read, on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      await updatePolicy(server.server.services, { storageQuotaBytes: 1_000_000 }, ADMIN);
    });
    after(() => server.close());

    // More than the loopback socket buffers hold, less than what is read and dropped.
    const body = Buffer.alloc(12_000_000, 1);

    it('answers 507 to a client that sends 12 MB announced over the quota before reading', async () => {
      const outcome = await sendAllThenRead(server, putHead(alice, `Content-Length: ${body.length}\r\n`), body, false);
      assert.match(outcome.received, /^HTTP\/1\.1 507 /, `${outcome.ending} after ${Math.round(outcome.ms)} ms`);
    });

    it('answers 507 to a chunked upload that passes the quota part-way, sent whole before reading', async () => {
      const outcome = await sendAllThenRead(server, putHead(alice, 'Transfer-Encoding: chunked\r\n'), body, true);
      assert.match(outcome.received, /^HTTP\/1\.1 507 /, `${outcome.ending} after ${Math.round(outcome.ms)} ms`);
    });

    it('answers 401 to a 12 MB upload with a wrong password, sent whole before reading', async () => {
      const stranger = { ...alice, password: 'not the password' };
      const outcome = await sendAllThenRead(server, putHead(stranger, `Content-Length: ${body.length}\r\n`), body, false);
      assert.match(outcome.received, /^HTTP\/1\.1 401 /, `${outcome.ending} after ${Math.round(outcome.ms)} ms`);
    });

    it('closes the connection of a 40 MB upload refused part-way instead of reading it all', async () => {
      const huge = Buffer.alloc(40_000_000, 1);
      const outcome = await sendAllThenRead(server, putHead(alice, 'Transfer-Encoding: chunked\r\n'), huge, true);
      assert.notEqual(outcome.ending, 'still open', `after ${Math.round(outcome.ms)} ms: ${outcome.received.slice(0, 40)}`);
      assert.doesNotMatch(outcome.received, /^HTTP\/1\.1 2/);
    });

    it('keeps no part of the refused uploads', async () => {
      assert.equal((await dav(server, alice, 'GET', '/dav/big.bin')).status, 404);
    });
  });
}
