/**
 * Set-up of the WebDAV suites: a real server (SQLite or PostgreSQL) with a
 * user and an app password assigned to `webdav` (or another application),
 * created through the domain; requests to /dav/ with that password; and the
 * check that a Debian tool the suite drives is installed.
 */
import fs from 'node:fs';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { addUser, startServer, type DialectName, type TestServer } from './server.js';
import { basic, request, type HttpReply, type HttpRequest } from './http.js';

export interface DavAccount {
  userId: string;
  username: string;
  password: string;
}

/** A user with an app password for `application` (null: unassigned). */
export async function davAccount(server: TestServer, username: string, application: string | null = 'webdav'): Promise<DavAccount> {
  const user = await addUser(server, username);
  const { secret } = await createAppPassword(
    server.server.services,
    user.id,
    { name: `drive of ${username}`, application },
    { userId: user.id, name: username, ip: '127.0.0.1' },
  );
  return { userId: user.id, username, password: secret };
}

export async function startDavServer(dialect: DialectName, env: Record<string, string> = {}): Promise<{ server: TestServer; alice: DavAccount }> {
  const server = await startServer({ dialect, env });
  return { server, alice: await davAccount(server, 'alice') };
}

/** A request to `path` (under /dav/) as `account`. */
export function dav(server: TestServer, account: DavAccount, method: string, path: string, options: HttpRequest = {}): Promise<HttpReply> {
  return request(server.url, path, {
    ...options,
    method,
    headers: { ...basic(account.username, account.password), ...options.headers },
  });
}

/** Fails (never skips) when a Debian tool the test drives is missing. */
export function requireTool(binary: string, debianPackage: string): void {
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: install the Debian package "${debianPackage}" (apt-get install ${debianPackage}); npm test does it as root.`);
  }
}
