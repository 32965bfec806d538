/**
 * Which application's password each Nextcloud-compatible endpoint accepts,
 * table-driven over real HTTP on SQLite and PostgreSQL: every application
 * (and an unassigned password, and no password at all) against every
 * endpoint, each cell with a password of its own. The OCS calls accept
 * `sync` and `outlook` passwords and leave an unassigned one unassigned;
 * a `webdav` password gets the uniform 401 there; the public endpoints
 * answer whatever is sent. The table is also checked against the surface
 * registry, the one place where this is decided.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppPassword, listAppPasswords } from '../../src/app-passwords/store.js';
import { PUBLIC_ENDPOINTS, isUnderPrefix, surfaceOfPath } from '../../src/surfaces/registry.js';
import { DIALECTS, addUser, startServer, type TestServer } from '../helpers/server.js';
import { rawRequest, type DavAccount, type DavReply } from '../helpers/dav.js';
import { freshIp } from '../api/support.js';

type Caller = 'webdav' | 'sync' | 'outlook' | 'unassigned' | 'none';
const CALLERS: readonly Caller[] = ['webdav', 'sync', 'outlook', 'unassigned', 'none'];

interface Row {
  method: string;
  path: (username: string) => string;
  /** The status each caller gets. */
  expect: Record<Caller, number>;
}

const OCS = { 'ocs-apirequest': 'true' };
const ocsRow = (method: string, path: string, ok: number): Row => ({
  method,
  path: (username) => path.replace('<me>', username),
  expect: { webdav: 401, sync: ok, outlook: ok, unassigned: ok, none: 401 },
});

const TABLE: Row[] = [
  { method: 'GET', path: () => '/status.php', expect: { webdav: 200, sync: 200, outlook: 200, unassigned: 200, none: 200 } },
  {
    method: 'POST',
    path: () => '/index.php/login/v2',
    expect: { webdav: 200, sync: 200, outlook: 200, unassigned: 200, none: 200 },
  },
  ocsRow('GET', '/ocs/v1.php/cloud/capabilities?format=json', 200),
  ocsRow('GET', '/ocs/v2.php/cloud/capabilities?format=json', 200),
  ocsRow('GET', '/ocs/v1.php/cloud/user?format=json', 200),
  ocsRow('GET', '/ocs/v2.php/cloud/user?format=json', 200),
  ocsRow('GET', '/ocs/v1.php/cloud/users/<me>?format=json', 200),
  ocsRow('GET', '/ocs/v2.php/cloud/users/<me>?format=json', 200),
  // Refused to an app password, in the envelope: v1 says it with HTTP 200, v2 with 403.
  ocsRow('GET', '/ocs/v1.php/core/getapppassword?format=json', 200),
  ocsRow('GET', '/ocs/v2.php/core/getapppassword?format=json', 403),
  ocsRow('DELETE', '/ocs/v1.php/core/apppassword?format=json', 200),
  ocsRow('DELETE', '/ocs/v2.php/core/apppassword?format=json', 200),
  // For comparison: the WebDAV drive's surface takes its own passwords only.
  {
    method: 'PROPFIND',
    path: () => '/dav/',
    expect: { webdav: 207, sync: 401, outlook: 401, unassigned: 207, none: 401 },
  },
];

describe('the scoping table agrees with the surface registry', () => {
  it('accepts on each OCS row exactly the applications its surface accepts, and needs nothing on a public one', () => {
    for (const row of TABLE) {
      const path = row.path('alice').split('?')[0]!;
      const surface = surfaceOfPath(path);
      const admitted = (['webdav', 'sync', 'outlook'] as const).filter((caller) => row.expect[caller] !== 401);
      if (PUBLIC_ENDPOINTS.some((prefix) => isUnderPrefix(path, prefix))) {
        assert.equal(surface, undefined, path);
        assert.equal(row.expect.none, 200, path);
      } else {
        assert.deepEqual([...surface!.applications.accepted].sort(), [...admitted].sort(), path);
        assert.equal(row.expect.unassigned !== 401, true, path);
      }
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`each application's password against each Nextcloud endpoint, on ${dialect}`, () => {
    let server: TestServer;
    const users = new Map<Caller, { id: string; username: string }>();

    before(async () => {
      server = await startServer({ dialect });
      for (const caller of CALLERS) {
        const user = await addUser(server, `scope-${caller}`);
        users.set(caller, { id: user.id, username: user.username });
      }
    });
    after(() => server.close());

    /** A password of its own for one cell (unused before), or no credentials. */
    async function credentialsFor(caller: Caller, cell: number): Promise<DavAccount | null> {
      if (caller === 'none') return null;
      const user = users.get(caller)!;
      const { secret } = await createAppPassword(
        server.server.services,
        user.id,
        { name: `cell ${cell}`, application: caller === 'unassigned' ? null : caller },
        { userId: user.id, name: user.username, ip: '127.0.0.1', client: '' },
        'cli',
      );
      return { userId: user.id, username: user.username, password: secret };
    }

    it('answers every cell as the table says', async () => {
      const failures: string[] = [];
      let cell = 0;
      for (const row of TABLE) {
        for (const caller of CALLERS) {
          cell += 1;
          const account = await credentialsFor(caller, cell);
          const path = row.path(users.get(caller)!.username);
          const reply: DavReply = await rawRequest(server, account, row.method, path, {
            headers: { ...OCS, ...(row.method === 'PROPFIND' ? { depth: '0' } : {}) },
            from: freshIp(),
          });
          if (reply.status !== row.expect[caller]) {
            failures.push(`${caller} ${row.method} ${path}: ${reply.status}, expected ${row.expect[caller]}`);
          }
          if (reply.status === 401) {
            assert.equal(reply.headers['www-authenticate'], 'Basic realm="Sesame", charset="UTF-8"', `${caller} ${path}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    it('leaves a password unassigned after OCS calls, and binds it on /dav/ as before', async () => {
      const user = users.get('unassigned')!;
      const account = await credentialsFor('unassigned', 1_000);
      for (const path of ['/ocs/v1.php/cloud/capabilities?format=json', '/ocs/v2.php/cloud/user?format=json']) {
        assert.equal((await rawRequest(server, account, 'GET', path, { headers: OCS })).status, 200);
      }
      const named = async () =>
        (await listAppPasswords(server.server.services, user.id)).find((p) => p.name === 'cell 1000')?.application;
      assert.equal(await named(), null);
      assert.equal((await rawRequest(server, account, 'PROPFIND', '/dav/', { headers: { depth: '0' } })).status, 207);
      assert.equal(await named(), 'webdav');
      // Now a WebDAV drive's password: the OCS calls refuse it.
      assert.equal((await rawRequest(server, account, 'GET', '/ocs/v2.php/cloud/user', { headers: OCS })).status, 401);
    });
  });
}
