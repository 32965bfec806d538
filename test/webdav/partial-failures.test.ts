/**
 * COPY and MOVE of a collection that can be done only in part (RFC 4918
 * §9.8.8, §9.9.4): 207 Multi-Status naming each member left alone — 423 for
 * a member locked in the destination or in a MOVE's source, 507 for a member
 * that does not fit in the quota — never the request-URI; every other member
 * is transferred, and the members refused are left exactly as they were. On
 * SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, startDavServer, type DavAccount, type DavReply } from '../helpers/dav.js';

const ADMIN = { userId: null, name: 'test', ip: '', client: '' };
const FILEID_PROPFIND =
  '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop><oc:fileid/></D:prop></D:propfind>';
const LOCK_BODY =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>';

/** The (href, status) pairs of a Multi-Status, sorted. */
function refusals(reply: DavReply): string[] {
  assert.equal(reply.status, 207, reply.text);
  return [...reply.text.matchAll(/<D:response><D:href>([^<]+)<\/D:href><D:status>HTTP\/1\.1 (\d{3})/g)]
    .map((match) => `${match[2]} ${match[1]}`)
    .sort();
}

for (const dialect of DIALECTS) {
  describe(`COPY and MOVE partial failures on ${dialect}`, () => {
    let server: TestServer;
    let users = 0;
    before(async () => {
      ({ server } = await startDavServer(dialect));
    });
    after(() => server.close());

    /** A fresh user whose space holds `files` (folders are made from the paths). */
    async function spaceWith(files: Record<string, string>): Promise<DavAccount> {
      const account = await davAccount(server, `partial-${users++}`);
      for (const [file, body] of Object.entries(files)) {
        const parts = file.split('/');
        for (let i = 1; i < parts.length; i++) await dav(server, account, 'MKCOL', `/dav/${parts.slice(0, i).join('/')}/`);
        assert.equal((await dav(server, account, 'PUT', `/dav/${file}`, { body })).status, 201, file);
      }
      return account;
    }

    async function lock(account: DavAccount, target: string): Promise<string> {
      const reply = await dav(server, account, 'LOCK', target, { headers: { depth: 'infinity' }, body: LOCK_BODY });
      assert.equal(reply.status, 200, reply.text);
      return String(reply.headers['lock-token']);
    }

    /** The `oc:fileid` PROPFIND gives `target` (assigned on first request). */
    async function fileId(account: DavAccount, target: string): Promise<string> {
      const reply = await dav(server, account, 'PROPFIND', target, { headers: { depth: '0' }, body: FILEID_PROPFIND });
      assert.equal(reply.status, 207, reply.text);
      const id = /<fileid xmlns="http:\/\/owncloud.org\/ns">([^<]+)<\/fileid>/.exec(reply.text)?.[1];
      assert.ok(id, reply.text);
      return id;
    }

    const read = async (account: DavAccount, target: string) => {
      const reply = await dav(server, account, 'GET', target);
      return reply.status === 200 ? reply.text : reply.status;
    };

    it('COPY onto a folder with a locked member: 207 with 423 for that member, which stays; the rest is copied', async () => {
      const bob = await spaceWith({
        'src/a.txt': 'new a',
        'src/sub/b.txt': 'new b',
        'src/sub/kept.txt': 'new kept',
        'dst/old.txt': 'old',
        'dst/sub/kept.txt': 'locked content',
      });
      await lock(bob, '/dav/dst/sub/kept.txt');
      const reply = await dav(server, bob, 'COPY', '/dav/src/', { headers: { destination: '/dav/dst/' } });
      assert.deepEqual(refusals(reply), ['423 /dav/dst/sub/kept.txt']);
      assert.equal(await read(bob, '/dav/dst/sub/kept.txt'), 'locked content');
      assert.equal(await read(bob, '/dav/dst/a.txt'), 'new a');
      assert.equal(await read(bob, '/dav/dst/sub/b.txt'), 'new b');
      assert.equal(await read(bob, '/dav/dst/old.txt'), 404);
      assert.equal(await read(bob, '/dav/src/sub/kept.txt'), 'new kept');
    });

    it('COPY with Depth: 0 onto a folder with a locked member: 207 with 423 for it, and no member copied', async () => {
      const bob = await spaceWith({ 'src/a.txt': 'new a', 'dst/old.txt': 'old', 'dst/kept.txt': 'locked content' });
      await lock(bob, '/dav/dst/kept.txt');
      const reply = await dav(server, bob, 'COPY', '/dav/src/', { headers: { destination: '/dav/dst/', depth: '0' } });
      assert.deepEqual(refusals(reply), ['423 /dav/dst/kept.txt']);
      assert.equal(await read(bob, '/dav/dst/kept.txt'), 'locked content');
      assert.equal(await read(bob, '/dav/dst/old.txt'), 404);
      assert.equal(await read(bob, '/dav/dst/a.txt'), 404);
    });

    it('MOVE onto a folder with a locked member: 207 with 423 for that member; what it blocks stays in the source', async () => {
      const bob = await spaceWith({
        'src/a.txt': 'new a',
        'src/sub/kept.txt': 'new kept',
        'dst/sub/kept.txt': 'locked content',
      });
      await lock(bob, '/dav/dst/sub/kept.txt');
      const reply = await dav(server, bob, 'MOVE', '/dav/src/', { headers: { destination: '/dav/dst/' } });
      assert.deepEqual(refusals(reply), ['423 /dav/dst/sub/kept.txt']);
      assert.equal(await read(bob, '/dav/dst/a.txt'), 'new a');
      assert.equal(await read(bob, '/dav/src/a.txt'), 404);
      assert.equal(await read(bob, '/dav/dst/sub/kept.txt'), 'locked content');
      assert.equal(await read(bob, '/dav/src/sub/kept.txt'), 'new kept');
    });

    it('MOVE of a folder with a locked member: 207 with 423 for the source member, which stays locked where it was', async () => {
      const bob = await spaceWith({ 'box/free.txt': 'free', 'box/inner/locked.txt': 'locked', 'box/inner/also.txt': 'also' });
      const token = await lock(bob, '/dav/box/inner/locked.txt');
      const reply = await dav(server, bob, 'MOVE', '/dav/box/', { headers: { destination: '/dav/moved/' } });
      assert.deepEqual(refusals(reply), ['423 /dav/box/inner/locked.txt']);
      assert.equal(await read(bob, '/dav/moved/free.txt'), 'free');
      assert.equal(await read(bob, '/dav/moved/inner/also.txt'), 'also');
      assert.equal(await read(bob, '/dav/box/free.txt'), 404);
      assert.equal(await read(bob, '/dav/box/inner/also.txt'), 404);
      assert.equal(await read(bob, '/dav/box/inner/locked.txt'), 'locked');
      assert.equal(await read(bob, '/dav/moved/inner/locked.txt'), 404);
      const unsubmitted = await dav(server, bob, 'PUT', '/dav/box/inner/locked.txt', { body: 'x' });
      assert.equal(unsubmitted.status, 423, 'the lock still holds the member');
      const submitted = await dav(server, bob, 'PUT', '/dav/box/inner/locked.txt', { body: 'x', headers: { if: `(${token})` } });
      assert.equal(submitted.status, 204);
    });

    it('MOVE of a folder with a locked member keeps the file id of every member moved, and of the member left in place', async () => {
      const bob = await spaceWith({
        'box/free.txt': 'free',
        'box/sub/deep.txt': 'deep',
        'box/inner/locked.txt': 'l',
        'box/inner/also.txt': 'a',
      });
      const paths = ['free.txt', 'sub/', 'sub/deep.txt', 'inner/also.txt'];
      const ids = new Map<string, string>();
      for (const path of [...paths, 'inner/', 'inner/locked.txt']) ids.set(path, await fileId(bob, `/dav/box/${path}`));
      await lock(bob, '/dav/box/inner/locked.txt');
      const reply = await dav(server, bob, 'MOVE', '/dav/box/', { headers: { destination: '/dav/moved/' } });
      assert.deepEqual(refusals(reply), ['423 /dav/box/inner/locked.txt']);
      for (const path of paths) assert.equal(await fileId(bob, `/dav/moved/${path}`), ids.get(path), `moved/${path}`);
      assert.equal(
        await fileId(bob, '/dav/box/inner/locked.txt'),
        ids.get('inner/locked.txt'),
        'the locked member, left in place',
      );
      assert.equal(await fileId(bob, '/dav/box/inner/'), ids.get('inner/'), 'the folder that still holds it');
      assert.notEqual(await fileId(bob, '/dav/moved/inner/'), ids.get('inner/'), 'the folder made for the members moved');
    });

    it('MOVE of a folder whose locked member is named by its token moves everything: 201', async () => {
      const bob = await spaceWith({ 'box/free.txt': 'free', 'box/inner/locked.txt': 'locked' });
      const token = await lock(bob, '/dav/box/inner/locked.txt');
      const reply = await dav(server, bob, 'MOVE', '/dav/box/', {
        headers: { destination: '/dav/moved/', if: `</dav/box/inner/locked.txt> (${token})` },
      });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(await read(bob, '/dav/moved/inner/locked.txt'), 'locked');
      assert.equal(await read(bob, '/dav/box/'), 404);
    });

    it('refuses the whole COPY with 423 when the destination itself is locked, and changes nothing', async () => {
      const bob = await spaceWith({ 'src/a.txt': 'new a', 'dst/old.txt': 'old' });
      await lock(bob, '/dav/dst/');
      const reply = await dav(server, bob, 'COPY', '/dav/src/', { headers: { destination: '/dav/dst/' } });
      assert.equal(reply.status, 423, reply.text);
      assert.equal(await read(bob, '/dav/dst/old.txt'), 'old');
      assert.equal(await read(bob, '/dav/dst/a.txt'), 404);
    });

    describe('with a quota of 4 KiB', () => {
      before(() => updatePolicy(server.server.services, { storageQuotaBytes: 4096 }, ADMIN));
      after(() => updatePolicy(server.server.services, { storageQuotaBytes: 0 }, ADMIN));

      it('COPY of a folder that fits only in part: 207 with 507 for the member that does not fit; the rest is copied', async () => {
        const bob = await spaceWith({ 'src/small.txt': 's'.repeat(100), 'src/deep/big.bin': 'b'.repeat(2000) });
        const reply = await dav(server, bob, 'COPY', '/dav/src/', { headers: { destination: '/dav/copy/' } });
        assert.deepEqual(refusals(reply), ['507 /dav/copy/deep/big.bin']);
        assert.equal(await read(bob, '/dav/copy/small.txt'), 's'.repeat(100));
        assert.equal(await read(bob, '/dav/copy/deep/big.bin'), 404);
        assert.equal((await dav(server, bob, 'PROPFIND', '/dav/copy/deep/', { headers: { depth: '0' } })).status, 207);
      });

      it('refuses the COPY of a file that does not fit with 507 and keeps the file it would replace', async () => {
        const bob = await spaceWith({ 'big.bin': 'b'.repeat(2500), 'target.txt': 'kept' });
        const reply = await dav(server, bob, 'COPY', '/dav/big.bin', { headers: { destination: '/dav/target.txt' } });
        assert.equal(reply.status, 507, reply.text);
        assert.equal(await read(bob, '/dav/target.txt'), 'kept');
      });

      it('COPY that fits once the destination it replaces is counted: 204', async () => {
        const bob = await spaceWith({ 'src/a.bin': 'a'.repeat(1500), 'dst/old.bin': 'o'.repeat(2000) });
        const reply = await dav(server, bob, 'COPY', '/dav/src/', { headers: { destination: '/dav/dst/' } });
        assert.equal(reply.status, 204, reply.text);
        assert.equal(await read(bob, '/dav/dst/a.bin'), 'a'.repeat(1500));
        assert.equal(await read(bob, '/dav/dst/old.bin'), 404);
      });
    });
  });
}
