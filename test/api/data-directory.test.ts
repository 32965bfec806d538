/**
 * The data directory and the key file, with real servers (key from the
 * key file, not from the environment):
 * - the directory ends 0700 and every file in it 0600 (database, -wal,
 *   -shm, key), also when DATA_DIR already existed as 0755 and when an
 *   earlier version left a world-readable database there;
 * - a missing key file next to a database set up with a key is refused
 *   without writing a new key (SQLite, and PostgreSQL with a fresh data
 *   directory);
 * - a directory where the key file should be is refused with a message
 *   naming it;
 * - what the WebDAV drive writes stays private too: uploads, copies and
 *   moves 0600, folders 0700, nothing readable by others anywhere below.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server.js';
import { createUser } from '../../src/accounts/users.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import { createPostgresDatabase, startServer, tempDir } from '../helpers/server.js';
import { dav, davAccount } from '../helpers/dav.js';

function modeOf(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

/** Files 0600; folders (the users' file spaces under files/) 0700. */
function assertPrivate(entry: string): void {
  assert.equal(modeOf(entry), fs.statSync(entry).isDirectory() ? '700' : '600', entry);
}

function configFor(dataDir: string, databaseUrl?: string) {
  return loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
}

/** Starts and stops a server on the data directory, writing one user so that the WAL files exist. */
async function runOnce(dataDir: string, databaseUrl?: string, username = 'someone'): Promise<void> {
  const server = await buildServer({ config: configFor(dataDir, databaseUrl) });
  try {
    await createUser(server.services, { username, password: 'a long password here', role: 'user' }, SYSTEM_ACTOR);
    const wal = path.join(dataDir, 'sesame.db-wal');
    if (!databaseUrl) assert.ok(fs.existsSync(wal), 'the WAL file exists while the server runs');
    if (!databaseUrl) assert.equal(modeOf(wal), '600', 'sesame.db-wal');
    if (!databaseUrl) assert.equal(modeOf(`${path.join(dataDir, 'sesame.db')}-shm`), '600', 'sesame.db-shm');
  } finally {
    await server.close();
  }
}

describe('the data directory and its files', () => {
  it('creates a missing data directory 0700 with the database and the key file 0600', async () => {
    const dataDir = path.join(tempDir(), 'data');
    await runOnce(dataDir);
    assert.equal(modeOf(dataDir), '700');
    assert.equal(modeOf(path.join(dataDir, 'sesame.db')), '600');
    assert.equal(modeOf(path.join(dataDir, 'secret.key')), '600');
  });

  it('tightens a data directory that already exists as 0755 before creating anything in it', async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o755);
    await runOnce(dataDir);
    assert.equal(modeOf(dataDir), '700');
    for (const file of fs.readdirSync(dataDir)) assertPrivate(path.join(dataDir, file));
  });

  it('tightens a world-readable database left by an earlier version, with its WAL files', async () => {
    const dataDir = tempDir();
    await runOnce(dataDir, undefined, 'first');
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'sesame.db'), 0o644);
    await runOnce(dataDir, undefined, 'second');
    assert.equal(modeOf(dataDir), '700');
    for (const file of fs.readdirSync(dataDir)) assertPrivate(path.join(dataDir, file));
  });

  it('refuses to start when the key file next to a set-up database is missing, and writes no new key (SQLite)', async () => {
    const dataDir = tempDir();
    await runOnce(dataDir);
    const keyFile = path.join(dataDir, 'secret.key');
    fs.rmSync(keyFile);
    await assert.rejects(() => buildServer({ config: configFor(dataDir) }), {
      code: 'SECRET_KEY_MISSING',
      message: new RegExp(`${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is missing`),
    });
    assert.equal(fs.existsSync(keyFile), false, 'no new key file was written');
  });

  it('refuses to start a node whose data directory has no key file on a set-up PostgreSQL database, and writes none', async () => {
    const databaseUrl = await createPostgresDatabase();
    await runOnce(tempDir(), databaseUrl);
    const otherDir = tempDir();
    await assert.rejects(() => buildServer({ config: configFor(otherDir, databaseUrl) }), { code: 'SECRET_KEY_MISSING' });
    assert.deepEqual(fs.readdirSync(otherDir), [], 'no key file was written');
  });

  it('refuses a directory where the key file should be, naming it', async () => {
    const dataDir = tempDir();
    const keyPath = path.join(dataDir, 'secret.key');
    fs.mkdirSync(keyPath);
    await assert.rejects(
      () => buildServer({ config: configFor(dataDir) }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.ok(error.message.includes(`${keyPath} must be the key file`), error.message);
        assert.match(error.message, /not a directory/);
        return true;
      },
    );
  });

  it('keeps what the WebDAV drive writes private: files 0600 and folders 0700, copies and moves included', async () => {
    const server = await startServer({ dialect: 'sqlite' });
    try {
      const alice = await davAccount(server, 'alice');
      const steps: [string, string, Record<string, string>, string?][] = [
        ['MKCOL', '/dav/docs', {}],
        ['PUT', '/dav/docs/report.txt', {}, 'private'],
        ['COPY', '/dav/docs', { destination: '/dav/copy' }],
        ['MOVE', '/dav/copy', { destination: '/dav/moved' }],
        ['COPY', '/dav/docs/report.txt', { destination: '/dav/single.txt' }],
      ];
      for (const [method, target, headers, body] of steps) {
        const reply = await dav(server, alice, method, target, { headers, ...(body === undefined ? {} : { body }) });
        assert.ok(reply.status === 201 || reply.status === 204, `${method} ${target}: ${reply.status} ${reply.text}`);
      }
      const entries = fs.readdirSync(path.join(server.dataDir, 'files'), { recursive: true, encoding: 'utf8' });
      assert.ok(
        entries.some((entry) => entry.endsWith(path.join('moved', 'report.txt'))),
        entries.join(', '),
      );
      for (const entry of entries) assertPrivate(path.join(server.dataDir, 'files', entry));
    } finally {
      await server.close();
    }
  });
});
