/**
 * Who connects to /dav/, as the account holder sees it, on SQLite and
 * PostgreSQL: each drive (Windows, Finder, davfs2, rclone) appears in
 * Recent connections (`GET /api/v1/connections`) with its own User-Agent,
 * the `webdav` application and the password's name, and the password's
 * last use names the latest client; the owner's primary password opens
 * /dav/ only while the policy allows it, from the very next request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import { DIALECTS, addUser, startServer, type TestServer } from '../helpers/server.js';
import { dav, davAccount, type DavAccount } from '../helpers/dav.js';
import { openSession, PASSWORD } from '../api/support.js';

const DRIVES = [
  'Microsoft-WebDAV-MiniRedir/10.0.19045',
  'WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (x86_64)',
  'davfs2/1.7.0 neon/0.32.5',
  'rclone/v1.60.1',
];

interface Connection {
  client: string;
  application: string | null;
  outcome: string;
  method: string;
  appPassword: { name: string } | null;
}

for (const dialect of DIALECTS) {
  describe(`connections to /dav/ on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;

    before(async () => {
      server = await startServer({ dialect });
      alice = await davAccount(server, 'alice');
    });
    after(() => server.close());

    it('shows each drive that connected in Recent connections, with its User-Agent, the application and the password', async () => {
      for (const agent of DRIVES) {
        const reply = await dav(server, alice, 'PROPFIND', '/dav/', {
          headers: { depth: '0', 'user-agent': agent },
          from: '127.0.40.1',
        });
        assert.equal(reply.status, 207, reply.text);
      }
      await server.server.services.usage.flush(true);
      const session = await openSession(server, alice.userId);
      const listed = (await session.call('/api/v1/connections')).json.connections as Connection[];
      for (const agent of DRIVES) {
        const row = listed.find((connection) => connection.client === agent);
        assert.ok(row, `${agent} is in Recent connections: ${JSON.stringify(listed)}`);
        assert.equal(row.application, 'webdav');
        assert.equal(row.outcome, 'success');
        assert.equal(row.method, 'app-password');
        assert.equal(row.appPassword?.name, 'drive of alice');
      }
      const [password] = (await session.call('/api/v1/app-passwords')).json.appPasswords;
      assert.equal(password.lastUsed.client, DRIVES.at(-1));
      assert.equal(password.lastUsed.application, 'webdav');
    });

    it("opens /dav/ to the owner's primary password only while the policy allows it", async () => {
      await addUser(server, 'paul', PASSWORD);
      const primary = { userId: '', username: 'paul', password: PASSWORD };
      const propfind = () => dav(server, primary, 'PROPFIND', '/dav/', { headers: { depth: '0' }, from: '127.0.40.2' });
      assert.equal((await propfind()).status, 401, 'refused under the default policy');
      await updatePolicy(server.server.services, { allowPrimaryPasswordOverBasic: true }, SYSTEM_ACTOR);
      assert.equal((await propfind()).status, 207);
      assert.equal((await dav(server, primary, 'PUT', '/dav/notes.txt', { body: 'mine', from: '127.0.40.2' })).status, 201);
      await updatePolicy(server.server.services, { allowPrimaryPasswordOverBasic: false }, SYSTEM_ACTOR);
      assert.equal((await propfind()).status, 401, 'refused again at the next request');
    });
  });
}
