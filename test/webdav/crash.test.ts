/**
 * A server process killed with SIGKILL in the middle of a PUT leaves the
 * previous version of the file intact, shows no partial or temporary file,
 * and the next start removes the dead process's temporary file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { dav, type DavAccount } from '../helpers/dav.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('SIGKILL in the middle of an upload', () => {
  let restarted: TestServer | undefined;
  const dataDir = tempDir();
  after(async () => {
    await restarted?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the previous version, and the next start removes the temporary file', async () => {
    const secretKeyHex = crypto.randomBytes(32).toString('hex');
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SESAME_SECRET_KEY: secretKeyHex };
    for (const name of ['DATABASE_URL', 'NODE_TEST_CONTEXT']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/dav-child.ts'], {
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
      child.once('exit', (code) => reject(new Error(`the server process exited with ${code}`)));
    });
    const started = JSON.parse(line) as { url: string; userId: string; password: string };
    const alice: DavAccount = { userId: started.userId, username: 'alice', password: started.password };
    const first = { url: started.url } as TestServer;
    assert.equal((await dav(first, alice, 'PUT', '/dav/doc.bin', { body: 'version 1' })).status, 201);

    const url = new URL(started.url);
    const upload = http.request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: '/dav/doc.bin',
      agent: false,
      headers: {
        authorization: `Basic ${Buffer.from(`alice:${alice.password}`).toString('base64')}`,
        'content-length': '50000000',
      },
    });
    upload.on('error', () => undefined);
    upload.write(Buffer.alloc(4_000_000, 2));
    const tempFiles = path.join(dataDir, 'files', '.tmp');
    for (let i = 0; i < 400 && fs.readdirSync(tempFiles).length === 0; i++) await sleep(50);
    assert.equal(fs.readdirSync(tempFiles).length, 1, 'the upload reached a temporary file');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    upload.destroy();
    assert.equal(fs.readdirSync(tempFiles).length, 1, 'the killed process left its temporary file');

    restarted = await startServer({ dialect: 'sqlite', dataDir, secretKeyHex });
    assert.deepEqual(fs.readdirSync(tempFiles), [], 'the next start removed it');
    assert.equal((await dav(restarted, alice, 'GET', '/dav/doc.bin')).text, 'version 1');
    const listing = await dav(restarted, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
    assert.equal((listing.text.match(/<D:response>/g) ?? []).length, 2, listing.text);
  });
});
