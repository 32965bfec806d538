/**
 * Who /dav/ refuses, and how: a password assigned to another application,
 * a revoked, deleted or expired one, and the owner's primary password under
 * the default policy all get the same 401 (same status, challenge and body)
 * — and another user's password never sees the first user's files. On
 * SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppPassword, deleteAppPassword, revokeAppPassword } from '../../src/app-passwords/store.js';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { dav, davAccount, rawRequest, type DavAccount, type DavReply } from '../helpers/dav.js';
import { PASSWORD, freshIp } from '../api/support.js';

const DAY_MS = 86_400_000;
const REFUSED = [
  'a password assigned to sync',
  'a password revoked by an admin',
  'a password deleted by its owner',
  'an expired password',
  "the owner's primary password (default policy)",
  "alice's password under another name",
] as const;

/** The challenge as it arrives on the wire (header bytes read as Latin-1), the same on every Basic endpoint. */
let challenge: string | undefined;

function assertUniform401(reply: DavReply, reference: DavReply): void {
  assert.equal(reply.status, 401, reply.text);
  assert.equal(reply.headers['www-authenticate'], challenge);
  assert.equal(reply.text, reference.text);
}

for (const dialect of DIALECTS) {
  describe(`/dav/ refusals on ${dialect}`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let alice: DavAccount;
    let reference: DavReply;
    const refused = new Map<string, { username: string; password: string }>();

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      alice = await davAccount(server, 'alice');
      assert.equal((await dav(server, alice, 'PUT', '/dav/secret.txt', { body: 'alice secret' })).status, 201);
      const ctx = server.server.services;
      const make = async (username: string, input: { application?: string | null; expiresInDays?: number }) => {
        const user = await addUser(server, username);
        const actor = { userId: user.id, name: username, ip: '127.0.0.1', client: '' };
        const created = await createAppPassword(ctx, user.id, { name: 'drive', ...input }, actor, 'cli');
        return { user, actor, id: created.appPassword.id, secret: created.secret };
      };
      const sync = await make('r-sync', { application: 'sync' });
      const revoked = await make('r-revoked', { application: 'webdav' });
      const deleted = await make('r-deleted', { application: 'webdav' });
      const expired = await make('r-expired', { application: 'webdav', expiresInDays: 1 });
      await addUser(server, 'r-primary');
      for (const p of [revoked, deleted, expired]) {
        const works = await rawRequest(server, null, 'PROPFIND', '/dav/', {
          headers: { depth: '0', authorization: `Basic ${Buffer.from(`${p.user.username}:${p.secret}`).toString('base64')}` },
          from: freshIp(),
        });
        assert.equal(works.status, 207, `${p.user.username} works at first`);
      }
      await revokeAppPassword(ctx, revoked.id, { userId: null, name: 'admin', ip: '127.0.0.1', client: '' });
      await deleteAppPassword(ctx, deleted.user.id, deleted.id, deleted.actor);
      clock.advance(DAY_MS);
      const credentials = [
        { username: 'r-sync', password: sync.secret },
        { username: 'r-revoked', password: revoked.secret },
        { username: 'r-deleted', password: deleted.secret },
        { username: 'r-expired', password: expired.secret },
        { username: 'r-primary', password: PASSWORD },
        { username: 'r-primary', password: alice.password },
      ];
      REFUSED.forEach((name, i) => refused.set(name, credentials[i]!));
      reference = await rawRequest(server, null, 'PROPFIND', '/dav/', { headers: { depth: '0' }, from: freshIp() });
      challenge = (await rawRequest(server, null, 'GET', '/api/v1/forward-auth/webdav', { from: freshIp() })).headers[
        'www-authenticate'
      ];
    });
    after(() => server.close());

    it('answers a request without credentials 401 with the Basic challenge and an XML body', () => {
      assert.equal(reference.status, 401);
      assert.match(challenge ?? '', /^Basic realm="/);
      assert.equal(reference.headers['www-authenticate'], challenge);
      assert.match(reference.text, /<D:error xmlns:D="DAV:"/);
    });

    it('answers OPTIONS without credentials with DAV: 1, 2 and Allow', async () => {
      const reply = await rawRequest(server, null, 'OPTIONS', '/dav/');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.dav, '1, 2');
      assert.match(reply.headers.allow ?? '', /PROPFIND.*LOCK/);
    });

    for (const name of REFUSED) {
      it(`refuses ${name} with the uniform 401 on every method`, async () => {
        const { username, password } = refused.get(name)!;
        const account = { userId: '', username, password };
        for (const method of ['GET', 'PUT', 'PROPFIND', 'DELETE', 'MKCOL', 'LOCK']) {
          const reply = await dav(server, account, method, '/dav/secret.txt', { headers: { depth: '0' }, from: freshIp() });
          assertUniform401(reply, reference);
          assert.doesNotMatch(reply.text, /alice secret/, name);
        }
      });
    }

    it("never shows alice's files to another user's password (404, an empty listing)", async () => {
      const bob = await davAccount(server, 'bob');
      const read = await dav(server, bob, 'GET', '/dav/secret.txt');
      assert.equal(read.status, 404);
      assert.doesNotMatch(read.text, /alice secret/);
      const listing = await dav(server, bob, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
      assert.equal(listing.status, 207);
      assert.doesNotMatch(listing.text, /secret\.txt/);
      assert.equal((await dav(server, bob, 'DELETE', '/dav/secret.txt')).status, 404);
      assert.equal((await dav(server, alice, 'GET', '/dav/secret.txt')).text, 'alice secret');
    });

    it('binds an unassigned password to webdav on first use, then refuses it elsewhere', async () => {
      const carol = await davAccount(server, 'carol', null);
      assert.equal((await dav(server, carol, 'PROPFIND', '/dav/', { headers: { depth: '0' } })).status, 207);
      const row = await server.server.services.db
        .selectFrom('app_passwords')
        .innerJoin('users', 'users.id', 'app_passwords.user_id')
        .select('app_passwords.application')
        .where('users.username', '=', 'carol')
        .executeTakeFirstOrThrow();
      assert.equal(row.application, 'webdav');
    });
  });
}
