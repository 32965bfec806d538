/**
 * Locks cannot grow the database without bound: a lock's owner is at most
 * 4 KiB of XML (400 beyond), and one user holds at most 1 000 locks at once
 * (507 beyond, until some are unlocked). On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, startDavServer, type DavAccount } from '../helpers/dav.js';

function lockBody(owner: string): string {
  return `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>${owner}</D:owner></D:lockinfo>`;
}

for (const dialect of DIALECTS) {
  describe(`limits of locks on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      assert.equal((await dav(server, alice, 'PUT', '/dav/doc.txt', { body: 'doc' })).status, 201);
    });
    after(() => server.close());

    it('refuses an owner over 4 KiB with 400 and takes no lock', async () => {
      const refused = await dav(server, alice, 'LOCK', '/dav/doc.txt', {
        body: lockBody(`<D:href>${'o'.repeat(5000)}</D:href>`),
      });
      assert.equal(refused.status, 400, refused.text);
      const discovery = await dav(server, alice, 'PROPFIND', '/dav/doc.txt', {
        headers: { depth: '0' },
        body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
      });
      assert.doesNotMatch(discovery.text, /activelock/);
      const accepted = await dav(server, alice, 'LOCK', '/dav/doc.txt', {
        body: lockBody('<D:href>mailto:alice@example.org</D:href>'),
      });
      assert.equal(accepted.status, 200, accepted.text);
      const unlock = await dav(server, alice, 'UNLOCK', '/dav/doc.txt', {
        headers: { 'lock-token': String(accepted.headers['lock-token']) },
      });
      assert.equal(unlock.status, 204);
    });

    it('lets one user hold 1 000 locks, refuses the next with 507, and takes one again after an unlock', async () => {
      const bob = await davAccount(server, 'bob');
      assert.equal((await dav(server, bob, 'PUT', '/dav/shared.txt', { body: 'shared' })).status, 201);
      let last = '';
      for (let i = 0; i < 1000; i++) {
        const reply = await dav(server, bob, 'LOCK', '/dav/shared.txt', { body: lockBody(`client ${i}`) });
        assert.equal(reply.status, 200, `lock ${i}: ${reply.text}`);
        last = String(reply.headers['lock-token']);
      }
      const refused = await dav(server, bob, 'LOCK', '/dav/shared.txt', { body: lockBody('one too many') });
      assert.equal(refused.status, 507, refused.text);
      // Another user's locks are not counted against him.
      assert.equal((await dav(server, alice, 'LOCK', '/dav/doc.txt', { body: lockBody('alice') })).status, 200);
      assert.equal((await dav(server, bob, 'UNLOCK', '/dav/shared.txt', { headers: { 'lock-token': last } })).status, 204);
      assert.equal((await dav(server, bob, 'LOCK', '/dav/shared.txt', { body: lockBody('again') })).status, 200);
    });
  });
}
