/**
 * The quota holds against parallel requests: uploads that each fit when
 * they start, sent at once (their bodies still arriving when the others
 * start), through one server process or two on the same data directory,
 * store no more than the quota allows — the overshoot does not grow with
 * the number of requests. The same for parallel COPYs. On SQLite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { DIALECTS, createPostgresDatabase, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { dav, davAccount, type DavAccount } from '../helpers/dav.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = { userId: null, name: 'test', ip: '', client: '' };
const QUOTA = 1_000_000;
const UPLOAD = 900_000;
const PARALLEL = 8;

/** A PUT whose first part is sent now; `finish` sends the rest and resolves with the status. */
function startUpload(url: string, account: DavAccount, target: string): { finish(): Promise<number> } {
  const body = Buffer.alloc(UPLOAD, 7);
  const request = http.request(`${url}${target}`, {
    method: 'PUT',
    agent: false,
    headers: {
      authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`,
      'content-length': String(UPLOAD),
    },
  });
  const reply = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
  });
  request.write(body.subarray(0, 100_000));
  return {
    finish() {
      request.end(body.subarray(100_000));
      return reply;
    },
  };
}

/** Bytes of the files in a user's space on disk. */
function spaceBytes(dataDir: string, account: DavAccount): number {
  const root = path.join(dataDir, 'files', account.userId);
  return fs.readdirSync(root).reduce((total, name) => total + fs.statSync(path.join(root, name)).size, 0);
}

for (const dialect of DIALECTS) {
  describe(`the quota against parallel requests on ${dialect}`, () => {
    const dataDir = tempDir();
    let local: TestServer;
    let child: ChildProcess;
    let urls: string[];
    let users = 0;

    before(async () => {
      const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      local = await startServer({ dialect, dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
      await updatePolicy(local.server.services, { storageQuotaBytes: QUOTA }, ADMIN);
      // A second process on the same data directory, database and key (it creates its own user, unused here).
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SESAME_SECRET_KEY: local.secretKeyHex };
      delete env.NODE_TEST_CONTEXT;
      if (databaseUrl) env.DATABASE_URL = databaseUrl;
      else delete env.DATABASE_URL;
      child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/dav-child.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('\n')) resolve(output.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`the second server process exited with ${code}`)));
      });
      urls = [local.url, (JSON.parse(line) as { url: string }).url];
    });

    after(async () => {
      child?.kill('SIGTERM');
      await local?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    const freshAccount = (): Promise<DavAccount> => davAccount(local, `quota-${users++}`);

    for (const processes of [1, 2]) {
      it(`stores one of ${PARALLEL} parallel 900 kB uploads under a 1 MB quota, through ${processes} process(es)`, async () => {
        const account = await freshAccount();
        const uploads = Array.from({ length: PARALLEL }, (_, i) =>
          startUpload(urls[i % processes]!, account, `/dav/up-${i}.bin`),
        );
        // Every upload has passed its first check (its size fits) before any completes.
        await sleep(500);
        const statuses = await Promise.all(uploads.map((upload) => upload.finish()));
        assert.equal(statuses.filter((status) => status === 201).length, 1, `statuses: ${statuses.join(', ')}`);
        assert.equal(statuses.filter((status) => status === 507).length, PARALLEL - 1, `statuses: ${statuses.join(', ')}`);
        assert.ok(spaceBytes(dataDir, account) <= QUOTA, `${spaceBytes(dataDir, account)} bytes stored`);
      });
    }

    it('copies a 400 kB file once of 6 parallel COPYs when the quota leaves room for one', async () => {
      const account = await freshAccount();
      assert.equal((await dav(local, account, 'PUT', '/dav/source.bin', { body: Buffer.alloc(400_000, 1) })).status, 201);
      const copies = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          dav({ url: urls[i % 2]! } as TestServer, account, 'COPY', '/dav/source.bin', {
            headers: { destination: `/dav/copy-${i}.bin` },
          }),
        ),
      );
      const statuses = copies.map((reply) => reply.status);
      assert.equal(statuses.filter((status) => status === 201).length, 1, `statuses: ${statuses.join(', ')}`);
      assert.ok(spaceBytes(dataDir, account) <= QUOTA, `${spaceBytes(dataDir, account)} bytes stored`);
    });
  });
}
