/**
 * COPY and MOVE check everything they need before they delete anything:
 * a Destination that is the source, lies inside it, or is one of its
 * ancestors is refused with 403, and so is any request whose conditions do
 * not hold (412) — the source, the Destination and their siblings are then
 * exactly as they were. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, startDavServer, type DavAccount } from '../helpers/dav.js';

const TREE: Record<string, string> = {
  'sub/own.txt': 'own',
  'sub/sibling.txt': 'sibling',
  'sub/deep/inner.txt': 'inner',
  'sub/deep/deeper/leaf.txt': 'leaf',
};

for (const dialect of DIALECTS) {
  describe(`COPY and MOVE check before they delete, on ${dialect}`, () => {
    let server: TestServer;
    let users = 0;
    before(async () => {
      ({ server } = await startDavServer(dialect));
    });
    after(() => server.close());

    async function spaceWithTree(): Promise<DavAccount> {
      const account = await davAccount(server, `checks-${users++}`);
      for (const folder of ['sub/', 'sub/deep/', 'sub/deep/deeper/']) {
        assert.equal((await dav(server, account, 'MKCOL', `/dav/${folder}`)).status, 201);
      }
      for (const [file, body] of Object.entries(TREE)) {
        assert.equal((await dav(server, account, 'PUT', `/dav/${file}`, { body })).status, 201);
      }
      return account;
    }

    async function assertTreeIntact(account: DavAccount): Promise<void> {
      for (const [file, body] of Object.entries(TREE)) {
        const reply = await dav(server, account, 'GET', `/dav/${file}`);
        assert.equal(reply.status, 200, `${file} is still there`);
        assert.equal(reply.text, body);
      }
    }

    const ancestors: [string, string, string][] = [
      ['a folder', '/dav/sub/deep/', '/dav/sub/'],
      ['a folder', '/dav/sub/deep/deeper/', '/dav/sub/'],
      ['a file', '/dav/sub/own.txt', '/dav/sub/'],
      ['a file', '/dav/sub/deep/inner.txt', '/dav/sub/deep/'],
    ];
    for (const method of ['COPY', 'MOVE']) {
      for (const [what, source, destination] of ancestors) {
        for (const overwrite of ['T', 'F']) {
          it(`refuses ${method} of ${what} (${source}) onto its ancestor ${destination} (Overwrite: ${overwrite}) with 403 and changes nothing`, async () => {
            const account = await spaceWithTree();
            const reply = await dav(server, account, method, source, { headers: { destination, overwrite } });
            assert.equal(reply.status, 403, reply.text);
            await assertTreeIntact(account);
          });
        }
      }

      it(`refuses ${method} onto the source itself, written another way, with 403`, async () => {
        const account = await spaceWithTree();
        const reply = await dav(server, account, method, '/dav/sub/deep', {
          headers: { destination: `${server.url}/dav/sub/deep/` },
        });
        assert.equal(reply.status, 403, reply.text);
        await assertTreeIntact(account);
      });

      it(`refuses ${method} whose If-Match does not hold with 412, before the Destination is replaced`, async () => {
        const account = await spaceWithTree();
        assert.equal((await dav(server, account, 'PUT', '/dav/target.txt', { body: 'target' })).status, 201);
        const reply = await dav(server, account, method, '/dav/sub/own.txt', {
          headers: { destination: '/dav/target.txt', 'if-match': '"not-the-etag"' },
        });
        assert.equal(reply.status, 412, reply.text);
        assert.equal((await dav(server, account, 'GET', '/dav/target.txt')).text, 'target');
        await assertTreeIntact(account);
      });
    }

    it('still copies and moves a folder onto a sibling with Overwrite: T', async () => {
      const account = await spaceWithTree();
      assert.equal((await dav(server, account, 'MKCOL', '/dav/other/')).status, 201);
      const copied = await dav(server, account, 'COPY', '/dav/sub/deep/', { headers: { destination: '/dav/other/' } });
      assert.equal(copied.status, 204, copied.text);
      assert.equal((await dav(server, account, 'GET', '/dav/other/deeper/leaf.txt')).text, 'leaf');
      const moved = await dav(server, account, 'MOVE', '/dav/other/', { headers: { destination: '/dav/sub/deep/' } });
      assert.equal(moved.status, 204, moved.text);
      await assertTreeIntact(account);
      assert.equal((await dav(server, account, 'GET', '/dav/other/')).status, 404);
    });
  });
}
