/**
 * GET and HEAD of small files served again from a server's memory behave as
 * from the disk: validators, ranges and conditions hold; a change made on
 * disk, through another server on the same data directory (another worker),
 * or a link put in place is seen at the very next request. Two servers on
 * one data directory and one database, on SQLite and PostgreSQL; the files
 * are left to settle first, so that each server keeps them.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SETTLED_MS } from '../../src/files/small-file-cache.js';
import { DIALECTS, createPostgresDatabase, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { dav, davAccount, type DavAccount } from '../helpers/dav.js';

const FILES = ['validators.txt', 'in-place.txt', 'other-server.txt', 'deleted.txt', 'linked.txt', 'removed-on-disk.txt'];

for (const dialect of DIALECTS) {
  describe(`small files served again from memory on ${dialect}`, () => {
    let serverA: TestServer;
    let serverB: TestServer;
    let alice: DavAccount;
    let space: string;

    /** GETs `name` through both servers, so that each keeps it, and checks they agree. */
    async function readThroughBoth(name: string): Promise<string> {
      const [a, b] = [await dav(serverA, alice, 'GET', `/dav/${name}`), await dav(serverB, alice, 'GET', `/dav/${name}`)];
      assert.equal(a.status, 200, a.text);
      assert.equal(b.text, a.text);
      return a.text;
    }

    before(async () => {
      const dataDir = tempDir('sesame-file-cache-');
      const secretKeyHex = crypto.randomBytes(32).toString('hex');
      const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      serverA = await startServer({ dialect, dataDir, secretKeyHex, ...(databaseUrl ? { databaseUrl } : {}) });
      serverB = await startServer({ dialect, dataDir, secretKeyHex, ...(databaseUrl ? { databaseUrl } : {}) });
      alice = await davAccount(serverA, 'alice');
      space = path.join(dataDir, 'files', alice.userId);
      for (const name of FILES)
        assert.equal((await dav(serverA, alice, 'PUT', `/dav/${name}`, { body: `v1 ${name}` })).status, 201);
      await new Promise((resolve) => setTimeout(resolve, SETTLED_MS + 100));
      for (const name of FILES) await readThroughBoth(name);
    });
    after(async () => {
      await serverB.close();
      await serverA.close();
    });

    it('answers ETag, Last-Modified, HEAD, ranges and conditions from a kept file as from the disk', async () => {
      const whole = await dav(serverA, alice, 'GET', '/dav/validators.txt');
      assert.equal(whole.text, 'v1 validators.txt');
      const propfind = await dav(serverA, alice, 'PROPFIND', '/dav/validators.txt', { headers: { depth: '0' } });
      assert.match(
        propfind.text,
        new RegExp(`<d:getetag>${String(whole.headers.etag).replace(/"/g, '&quot;')}</d:getetag>`, 'i'),
      );
      const { etag, 'last-modified': lastModified } = whole.headers;

      const head = await dav(serverA, alice, 'HEAD', '/dav/validators.txt');
      assert.deepEqual([head.status, head.headers['content-length'], head.headers.etag, head.body.length], [200, '17', etag, 0]);
      const range = await dav(serverA, alice, 'GET', '/dav/validators.txt', { headers: { range: 'bytes=3-12' } });
      assert.deepEqual([range.status, range.text, range.headers['content-range']], [206, 'validators', 'bytes 3-12/17']);
      const suffix = await dav(serverA, alice, 'GET', '/dav/validators.txt', { headers: { range: 'bytes=-3' } });
      assert.deepEqual([suffix.status, suffix.text], [206, 'txt']);
      const outside = await dav(serverA, alice, 'GET', '/dav/validators.txt', { headers: { range: 'bytes=17-' } });
      assert.deepEqual([outside.status, outside.headers['content-range']], [416, 'bytes */17']);
      const notModified = await dav(serverA, alice, 'GET', '/dav/validators.txt', { headers: { 'if-none-match': String(etag) } });
      assert.deepEqual([notModified.status, notModified.body.length], [304, 0]);
      const unchanged = await dav(serverA, alice, 'GET', '/dav/validators.txt', {
        headers: { 'if-modified-since': String(lastModified) },
      });
      assert.equal(unchanged.status, 304);
      const failed = await dav(serverA, alice, 'GET', '/dav/validators.txt', { headers: { 'if-match': '"another"' } });
      assert.equal(failed.status, 412);
    });

    it('sees a file overwritten in place on disk with the same size at the next GET, on both servers', async () => {
      const full = path.join(space, 'in-place.txt');
      const before = fs.statSync(full);
      fs.writeFileSync(full, 'v2 in-place.txt');
      assert.equal(fs.statSync(full).ino, before.ino, 'the same inode, rewritten');
      assert.equal(fs.statSync(full).size, before.size, 'the same size');
      assert.equal(await readThroughBoth('in-place.txt'), 'v2 in-place.txt');
    });

    it('sees at once a PUT through the other server (another worker)', async () => {
      const etag = (await dav(serverB, alice, 'GET', '/dav/other-server.txt')).headers.etag;
      assert.equal((await dav(serverA, alice, 'PUT', '/dav/other-server.txt', { body: 'v2 other-server.txt' })).status, 204);
      const reply = await dav(serverB, alice, 'GET', '/dav/other-server.txt');
      assert.equal(reply.text, 'v2 other-server.txt');
      assert.notEqual(reply.headers.etag, etag);
    });

    it('answers 404 at once after a DELETE through the other server, or a removal on disk', async () => {
      assert.equal((await dav(serverA, alice, 'DELETE', '/dav/deleted.txt')).status, 204);
      assert.equal((await dav(serverB, alice, 'GET', '/dav/deleted.txt')).status, 404);
      fs.rmSync(path.join(space, 'removed-on-disk.txt'));
      for (const server of [serverA, serverB])
        assert.equal((await dav(server, alice, 'HEAD', '/dav/removed-on-disk.txt')).status, 404);
    });

    it('refuses a link put on disk at a kept file’s path (403, no content)', async () => {
      const outside = fs.mkdtempSync(path.join(path.dirname(space), '..', 'outside-'));
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
      fs.rmSync(path.join(space, 'linked.txt'));
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(space, 'linked.txt'));
      for (const server of [serverA, serverB]) {
        for (const method of ['GET', 'HEAD']) {
          const reply = await dav(server, alice, method, '/dav/linked.txt');
          assert.equal(reply.status, 403, `${method}: ${reply.text}`);
          assert.doesNotMatch(reply.text, /outside secret/);
          assert.equal(reply.headers.etag, undefined);
        }
      }
    });
  });
}
