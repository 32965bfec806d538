/**
 * `sesame serve` with WORKERS=2 (node:cluster; the built CLI, rebuilt first
 * when a source is newer: helpers/build.ts), on SQLite and on
 * PostgreSQL: two processes share the port, and a lock taken through one of
 * them holds in the other, because locks live in the database. The request
 * log's `pid` shows which process served each request.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signIn } from '../helpers/http.js';
import { DIALECTS, createPostgresDatabase, onFreePort, tempDir } from '../helpers/server.js';
import { rawRequest, type DavAccount } from '../helpers/dav.js';
import { ROOT, ensureServerBuild } from '../helpers/build.js';
const LOCK_BODY =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

for (const dialect of DIALECTS) {
  describe(`two worker processes on ${dialect}`, () => {
    let child: ChildProcess;
    let output = '';
    let dataDir: string;
    let base: { url: string; dataDir: string };
    let alice: DavAccount;

    /** Spawns `serve` on `port` and waits for its first-start password; an EADDRINUSE start rejects with that code. */
    async function serveOn(port: number, env: NodeJS.ProcessEnv): Promise<void> {
      output = '';
      child = spawn(process.execPath, ['dist/cli/main.js', 'serve'], {
        cwd: ROOT,
        env: { ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (/password\n\n\s+(\S+)/.test(output)) {
            clearInterval(poll);
            resolve();
          }
        }, 100);
        child.once('exit', (code) => {
          clearInterval(poll);
          const error = new Error(`serve exited with ${code}: ${output}`);
          reject(/EADDRINUSE/.test(output) ? Object.assign(error, { code: 'EADDRINUSE' }) : error);
        });
      });
      base = { url: `http://127.0.0.1:${port}`, dataDir };
    }

    before(async () => {
      await ensureServerBuild();
      dataDir = tempDir();
      const env: NodeJS.ProcessEnv = { ...process.env, WORKERS: '2', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
      for (const name of ['DATABASE_URL', 'SESAME_SECRET_KEY', 'HOST', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) delete env[name];
      if (dialect === 'postgres') env.DATABASE_URL = await createPostgresDatabase();
      await onFreePort((port) => serveOn(port, env));
      const adminPassword = /password\n\n\s+(\S+)/.exec(output)![1]!;
      const session = await signIn(base.url, 'admin', adminPassword);
      const created = await session.call('/api/v1/app-passwords', {
        method: 'POST',
        body: { name: 'drive', application: 'webdav' },
      });
      assert.equal(created.status, 201, created.text);
      alice = { userId: '', username: 'admin', password: created.json.password };
    });

    after(async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers from two processes, and each refuses a write under the lock the other took (423)', async () => {
      const server = base as Parameters<typeof rawRequest>[0];
      const lock = await rawRequest(server, alice, 'LOCK', '/dav/shared.txt', {
        body: LOCK_BODY,
        headers: { 'user-agent': 'lock-taker' },
      });
      assert.equal(lock.status, 201, lock.text);
      const token = String(lock.headers['lock-token']);
      for (let i = 0; i < 16; i++) {
        const refused = await rawRequest(server, alice, 'PUT', '/dav/shared.txt', { body: `attempt ${i}` });
        assert.equal(refused.status, 423, refused.text);
      }
      for (let i = 0; i < 16; i++) {
        const allowed = await rawRequest(server, alice, 'PUT', '/dav/shared.txt', {
          body: `write ${i}`,
          headers: { if: `(${token})` },
        });
        assert.equal(allowed.status, 204, allowed.text);
      }
      const pidsAnswering = (status: number) =>
        new Set(
          output
            .split('\n')
            .filter((line) => line.startsWith('{') && line.includes(`"statusCode":${status}`))
            .map((line) => JSON.parse(line).pid as number),
        );
      assert.equal(pidsAnswering(423).size, 2, 'both processes refused writes without the token');
      assert.equal(pidsAnswering(204).size, 2, 'both processes accepted writes with the token');
    });
  });
}
