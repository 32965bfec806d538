/**
 * A surface accepts a set of applications: the share API's
 * surface, mounted here on a probe route, takes passwords assigned to
 * `outlook` or `sync`, refuses one assigned to `webdav` with the uniform
 * 401, and binds an unassigned password to its declared binding application
 * (`outlook`), which /dav/ then refuses. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAppPasswords } from '../../src/app-passwords/store.js';
import { mountSurface } from '../../src/surfaces/basic-surface.js';
import { SURFACES } from '../../src/surfaces/registry.js';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';

const PROBE = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

for (const dialect of DIALECTS) {
  describe(`a surface accepting outlook and sync, on ${dialect}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({
        dialect,
        beforeListen: ({ app }) => {
          void app.register(async (shares) => {
            mountSurface(shares, { surface: SURFACES.shares });
            shares.get(PROBE, (request) => ({ username: request.principal?.username }));
          });
        },
      });
    });
    after(() => server.close());

    const probe = (account: DavAccount) => rawRequest(server, account, 'GET', PROBE);
    const applicationOf = async (account: DavAccount) =>
      (await listAppPasswords(server.server.services, account.userId))[0]?.application;

    it('accepts a password assigned to outlook and one assigned to sync', async () => {
      for (const application of ['outlook', 'sync']) {
        const account = await davAccount(server, `share-${application}`, application);
        const reply = await probe(account);
        assert.equal(reply.status, 200, `${application}: ${reply.text}`);
        assert.deepEqual(JSON.parse(reply.text), { username: account.username });
        assert.equal(await applicationOf(account), application);
      }
    });

    it('refuses a password assigned to webdav with the uniform 401', async () => {
      const account = await davAccount(server, 'share-webdav', 'webdav');
      const reply = await probe(account);
      const wrongSecret = await probe({ ...account, password: 'not-the-secret' });
      assert.equal(reply.status, 401);
      assert.equal(JSON.parse(reply.text).error.code, 'UNAUTHENTICATED');
      assert.equal(reply.text, wrongSecret.text);
    });

    it('binds an unassigned password to outlook, the binding application, and /dav/ then refuses it', async () => {
      const account = await davAccount(server, 'share-unassigned', null);
      assert.equal((await probe(account)).status, 200);
      assert.equal(await applicationOf(account), 'outlook');
      assert.equal((await probe(account)).status, 200);
      assert.equal((await rawRequest(server, account, 'PROPFIND', '/dav/', { headers: { depth: '0' } })).status, 401);
    });

    it('keeps an unassigned password first used on /dav/ out of the share API', async () => {
      const account = await davAccount(server, 'dav-first', null);
      assert.equal((await rawRequest(server, account, 'PROPFIND', '/dav/', { headers: { depth: '0' } })).status, 207);
      assert.equal(await applicationOf(account), 'webdav');
      assert.equal((await probe(account)).status, 401);
    });
  });
}
