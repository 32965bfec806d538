/**
 * rclone (Debian `rclone`) with a `webdav` remote and an app password:
 * copies a tree up (nested folders, Unicode names, an empty file and a
 * 50 MB one), checks it byte for byte, moves it on the server, deletes it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DIALECTS, tempDir, type TestServer } from '../helpers/server.js';
import { dav, requireTool, startDavServer, type DavAccount } from '../helpers/dav.js';

const execFileAsync = promisify(execFile);
const BIG_BYTES = 50 * 1024 * 1024;

function writeTree(root: string): void {
  const files: Record<string, Buffer> = {
    'readme.txt': Buffer.from('top level\n'),
    'empty.bin': Buffer.alloc(0),
    'Été/naïve ☃.txt': Buffer.from('unicode\n'),
    'Été/日本語/ファイル.txt': Buffer.from('nested unicode\n'),
    'a/b/c/deep.txt': Buffer.from('deep\n'),
    'cafe\u0301 NFD.txt': Buffer.from('nfd\n'),
  };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  const big = fs.openSync(path.join(root, 'a', 'big.bin'), 'w');
  for (let written = 0; written < BIG_BYTES; written += 1024 * 1024) fs.writeSync(big, crypto.randomBytes(1024 * 1024));
  fs.closeSync(big);
}

for (const dialect of DIALECTS) {
  describe(`rclone on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    let work: string;
    let rclone: (...args: string[]) => Promise<string>;
    before(async () => {
      requireTool('/usr/bin/rclone', 'rclone');
      ({ server, alice } = await startDavServer(dialect));
      work = tempDir('sesame-rclone-');
      writeTree(path.join(work, 'tree'));
      const { stdout: obscured } = await execFileAsync('/usr/bin/rclone', ['obscure', '--', alice.password]);
      const env = {
        ...process.env,
        RCLONE_CONFIG: path.join(work, 'rclone.conf'),
        RCLONE_CONFIG_SES_TYPE: 'webdav',
        RCLONE_CONFIG_SES_URL: `${server.url}/dav/`,
        RCLONE_CONFIG_SES_VENDOR: 'other',
        RCLONE_CONFIG_SES_USER: alice.username,
        RCLONE_CONFIG_SES_PASS: obscured.trim(),
      };
      rclone = async (...args) =>
        (await execFileAsync('/usr/bin/rclone', args, { env, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 })).stdout;
    });
    after(async () => {
      await server.close();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('copies a tree up and rclone check finds every byte equal', async () => {
      await rclone('copy', path.join(work, 'tree'), 'ses:up');
      await rclone('check', '--download', path.join(work, 'tree'), 'ses:up');
      const big = await dav(server, alice, 'HEAD', '/dav/up/a/big.bin');
      assert.equal(big.headers['content-length'], String(BIG_BYTES));
      assert.equal((await dav(server, alice, 'GET', '/dav/up/empty.bin')).body.length, 0);
    });

    it('moves the tree on the server, then deletes it', async () => {
      await rclone('moveto', 'ses:up', 'ses:moved');
      await rclone('check', '--download', path.join(work, 'tree'), 'ses:moved');
      assert.equal((await dav(server, alice, 'PROPFIND', '/dav/up/', { headers: { depth: '0' } })).status, 404);
      await rclone('purge', 'ses:moved');
      assert.equal((await dav(server, alice, 'PROPFIND', '/dav/moved/', { headers: { depth: '0' } })).status, 404);
      const listing = await rclone('lsf', 'ses:');
      assert.equal(listing.trim(), '');
    });
  });
}
