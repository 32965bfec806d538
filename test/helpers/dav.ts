/**
 * Set-up of the WebDAV suites: a real server (SQLite or PostgreSQL) with a
 * user and an app password assigned to `webdav` (or another application),
 * created through the domain; requests to /dav/ with that password; and the
 * check that a Debian tool the suite drives is installed.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { addUser, startServer, type DialectName, type TestServer } from './server.js';
import { basic } from './http.js';

export interface DavAccount {
  userId: string;
  username: string;
  password: string;
}

/** A user with an app password for `application` (null: unassigned). */
export async function davAccount(
  server: TestServer,
  username: string,
  application: string | null = 'webdav',
): Promise<DavAccount> {
  const user = await addUser(server, username);
  const { secret } = await createAppPassword(
    server.server.services,
    user.id,
    { name: `drive of ${username}`, application },
    { userId: user.id, name: username, ip: '127.0.0.1', client: '' },
    'cli',
  );
  return { userId: user.id, username, password: secret };
}

export async function startDavServer(
  dialect: DialectName,
  env: Record<string, string> = {},
): Promise<{ server: TestServer; alice: DavAccount }> {
  const server = await startServer({ dialect, env });
  return { server, alice: await davAccount(server, 'alice') };
}

export interface DavReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface DavCall {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address (127.x.y.z), so that failures from one test do not throttle another. */
  from?: string;
}

/** A request with the target sent exactly as given (no URL normalisation), anonymous when `account` is null. */
export function rawRequest(
  server: TestServer,
  account: DavAccount | null,
  method: string,
  target: string,
  call: DavCall = {},
): Promise<DavReply> {
  const url = new URL(server.url);
  const headers = { ...(account ? basic(account.username, account.password) : {}), ...call.headers };
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers,
        agent: false,
        ...(call.from ? { localAddress: call.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

/** A request to `target` (under /dav/) as `account`. */
export function dav(
  server: TestServer,
  account: DavAccount,
  method: string,
  target: string,
  call: DavCall = {},
): Promise<DavReply> {
  return rawRequest(server, account, method, target, call);
}

/** Fails (never skips) when a Debian tool the test drives is missing. */
export function requireTool(binary: string, debianPackage: string): void {
  if (!fs.existsSync(binary)) {
    throw new Error(
      `${binary} is missing: install the Debian package "${debianPackage}" (apt-get install ${debianPackage}); npm test does it as root.`,
    );
  }
}
