/**
 * What a lock covers and who may use it. A Depth: infinity lock on a folder
 * refuses (423) every change below it without the token: new and existing
 * files at any depth, folders, properties, deletions, moves out and copies
 * or moves in, other locks. A lock belongs to the account: another app
 * password of the same user is refused like any client without the token
 * and may act with it (RFC 4918 §6.4: the principal is the user); another
 * user can neither see, use, refresh nor remove it. On SQLite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, startDavServer, type DavAccount, type DavCall } from '../helpers/dav.js';

function lockBody(scope: 'exclusive' | 'shared' = 'exclusive'): string {
  return `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>drive</D:owner></D:lockinfo>`;
}
const SET_PROPERTY = '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">1</x></D:prop></D:set></D:propertyupdate>';
const LOCKDISCOVERY = '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>';

for (const dialect of DIALECTS) {
  describe(`the reach of a lock on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    let aliceOtherDevice: DavAccount;
    let bob: DavAccount;
    let token: string;

    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      bob = await davAccount(server, 'bob');
      const actor = { userId: alice.userId, name: 'alice', ip: '127.0.0.1', client: '' };
      const second = await createAppPassword(
        server.server.services,
        alice.userId,
        { name: 'laptop', application: 'webdav' },
        actor,
        'cli',
      );
      aliceOtherDevice = { ...alice, password: second.secret };
      for (const folder of ['/dav/box/', '/dav/box/sub/']) assert.equal((await dav(server, alice, 'MKCOL', folder)).status, 201);
      for (const file of ['/dav/box/sub/f.txt', '/dav/outside.txt']) {
        assert.equal((await dav(server, alice, 'PUT', file, { body: 'original' })).status, 201);
      }
      assert.equal((await dav(server, bob, 'MKCOL', '/dav/box/')).status, 201);
      const lock = await dav(server, alice, 'LOCK', '/dav/box/', { headers: { depth: 'infinity' }, body: lockBody() });
      assert.equal(lock.status, 200, lock.text);
      token = String(lock.headers['lock-token']);
    });
    after(() => server.close());

    const writesBelow: [string, string, string, DavCall][] = [
      ['a new file', 'PUT', '/dav/box/new.txt', { body: 'x' }],
      ['an existing file two levels down', 'PUT', '/dav/box/sub/f.txt', { body: 'x' }],
      ['a new file two levels down', 'PUT', '/dav/box/sub/g.txt', { body: 'x' }],
      ['a folder', 'MKCOL', '/dav/box/sub/made/', {}],
      ['a property', 'PROPPATCH', '/dav/box/sub/f.txt', { body: SET_PROPERTY }],
      ['a file deleted', 'DELETE', '/dav/box/sub/f.txt', {}],
      ['a folder deleted', 'DELETE', '/dav/box/sub/', {}],
      ['a file moved out', 'MOVE', '/dav/box/sub/f.txt', { headers: { destination: '/dav/out.txt' } }],
      ['a file moved in', 'MOVE', '/dav/outside.txt', { headers: { destination: '/dav/box/in.txt' } }],
      ['a file copied in', 'COPY', '/dav/outside.txt', { headers: { destination: '/dav/box/sub/in.txt' } }],
      ['an exclusive lock below', 'LOCK', '/dav/box/sub/f.txt', { body: lockBody() }],
      ['a shared lock below', 'LOCK', '/dav/box/sub/f.txt', { body: lockBody('shared') }],
      ['a lock of an unmapped URL below', 'LOCK', '/dav/box/sub/h.txt', { body: lockBody() }],
      ['the folder moved', 'MOVE', '/dav/box/', { headers: { destination: '/dav/box2/' } }],
      ['the folder deleted', 'DELETE', '/dav/box/', {}],
    ];
    for (const [what, method, target, call] of writesBelow) {
      it(`refuses ${what} (${method} ${target}) without the token, from either of the user's passwords`, async () => {
        for (const account of [alice, aliceOtherDevice]) {
          const reply = await dav(server, account, method, target, call);
          assert.equal(reply.status, 423, `${reply.status} ${reply.text}`);
        }
        assert.equal((await dav(server, alice, 'GET', '/dav/box/sub/f.txt')).text, 'original');
        assert.equal((await dav(server, alice, 'GET', '/dav/outside.txt')).text, 'original');
      });
    }

    it('never lets another user see, use, refresh or remove the lock', async () => {
      const seen = await dav(server, bob, 'PROPFIND', '/dav/box/', { headers: { depth: '0' }, body: LOCKDISCOVERY });
      assert.doesNotMatch(seen.text, /activelock|urn:uuid/);
      assert.equal((await dav(server, bob, 'PUT', '/dav/box/x.txt', { body: 'x', headers: { if: `(${token})` } })).status, 412);
      assert.equal((await dav(server, bob, 'LOCK', '/dav/box/', { headers: { if: `(${token})` } })).status, 412);
      assert.equal((await dav(server, bob, 'UNLOCK', '/dav/box/', { headers: { 'lock-token': token } })).status, 409);
      assert.equal((await dav(server, alice, 'PUT', '/dav/box/new.txt', { body: 'x' })).status, 423, 'still locked');
    });

    it("lets the user's other password act with the token, then unlock", async () => {
      const write = await dav(server, aliceOtherDevice, 'PUT', '/dav/box/sub/f.txt', {
        body: 'changed',
        headers: { if: `(${token})` },
      });
      assert.equal(write.status, 204, write.text);
      assert.equal(
        (await dav(server, aliceOtherDevice, 'UNLOCK', '/dav/box/', { headers: { 'lock-token': token } })).status,
        204,
      );
      assert.equal((await dav(server, alice, 'PUT', '/dav/box/new.txt', { body: 'x' })).status, 201);
    });
  });
}
