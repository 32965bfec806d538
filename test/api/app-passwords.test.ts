/**
 * App passwords through the JSON API, on SQLite and PostgreSQL: creation
 * (secret, expiry, no-store), every refused input with its stable code and an
 * unchanged database, rename/assign/delete, binding on first use, the secret
 * never shown again, and recent connections naming the password.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, type Session } from '../helpers/http.js';
import {
  ALL_TABLES,
  EXPIRES_AT_FORM,
  addAdmin,
  assertError,
  assertUnchanged,
  assertUniform401,
  countRows,
  createPassword,
  forwardAuth,
  freshIp,
  snapshot,
  userWithSession,
} from './support.js';

const DAY_MS = 86_400_000;

function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19) + '+00:00';
}

async function listOf(session: Session) {
  const reply = await session.call('/api/v1/app-passwords');
  assert.equal(reply.status, 200, reply.text);
  return reply.json.appPasswords as Array<Record<string, unknown> & { id: string; name: string }>;
}

async function findOne(session: Session, id: string) {
  const found = (await listOf(session)).find((p) => p.id === id);
  assert.ok(found, `app password ${id} is not listed`);
  return found;
}

for (const dialect of DIALECTS) {
  describe(`app passwords over the JSON API (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      admin = await addAdmin(server, 'root');
    });
    after(() => server.close());

    describe('creation', () => {
      it('answers 201 with a 24-character secret, an expiry 365 days ahead in the help page form, and no-store', async () => {
        const { session } = await userWithSession(server, 'create1');
        const appPasswordsBefore = await countRows(server, 'app_passwords');
        const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Mon WebDAV' } });
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.headers['cache-control'], 'no-store');
        assert.equal(typeof reply.json.password, 'string');
        assert.equal([...reply.json.password].length, 24);
        assert.match(reply.json.appPassword.expiresAt, EXPIRES_AT_FORM);
        assert.equal(reply.json.appPassword.expiresAt, isoSeconds(clock.now() + 365 * DAY_MS));
        assert.equal(reply.json.appPassword.name, 'Mon WebDAV');
        assert.equal(reply.json.appPassword.application, null);
        assert.equal(reply.json.appPassword.assignedBy, null);
        assert.equal(reply.json.appPassword.expired, false);
        assert.equal(reply.json.appPassword.lastUsed, null);
        assert.equal(await countRows(server, 'app_passwords'), appPasswordsBefore + 1);
        const me = await request(server.url, '/api/v1/me', { headers: basic('create1', reply.json.password) });
        assert.equal(me.status, 200, me.text);
      });

      it('accepts a shorter expiresInDays', async () => {
        const { session } = await userWithSession(server, 'create2');
        const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Court', expiresInDays: 30 } });
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.json.appPassword.expiresAt, isoSeconds(clock.now() + 30 * DAY_MS));
        assert.match(reply.json.appPassword.expiresAt, EXPIRES_AT_FORM);
      });

      it('refuses an expiresInDays longer than the policy (or zero) with EXPIRY_OUT_OF_RANGE and changes nothing', async () => {
        const { session } = await userWithSession(server, 'create3');
        for (const expiresInDays of [366, 3650, 0]) {
          const reply = await assertUnchanged(
            server,
            () => session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Trop long', expiresInDays } }),
            ALL_TABLES,
          );
          assertError(reply, 400, 'EXPIRY_OUT_OF_RANGE');
        }
      });

      it('stores a secret only as a keyed hash, never in clear', async () => {
        const { session } = await userWithSession(server, 'create4');
        const { secret } = await createPassword(session, { name: 'Haché' });
        const everything = JSON.stringify(await snapshot(server, ALL_TABLES));
        assert.ok(!everything.includes(secret));
      });

      it('lists the three applications a password can be assigned to', async () => {
        const { session } = await userWithSession(server, 'create5');
        const reply = await session.call('/api/v1/applications');
        assert.equal(reply.status, 200);
        assert.deepEqual(
          reply.json.applications.map((a: { id: string }) => a.id),
          ['webdav', 'sync', 'outlook'],
        );
        // Only the WebDAV drive has a surface served today: the others have nothing to connect to yet.
        assert.deepEqual(
          reply.json.applications.map((a: { connectUrl: string | null }) => a.connectUrl),
          [`${server.server.services.config.publicUrl.origin}/dav/`, null, null],
        );
      });
    });

    describe('refused input (stable code, nothing changed)', () => {
      let session: Session;
      let ownerId: string;
      before(async () => {
        ({ session, id: ownerId } = await userWithSession(server, 'bad1'));
        await createPassword(session, { name: 'Mon WebDAV' });
      });

      async function refusedCreate(body: unknown, status: number, code: string) {
        const reply = await assertUnchanged(
          server,
          () => session.call('/api/v1/app-passwords', { method: 'POST', body }),
          ALL_TABLES,
        );
        assertError(reply, status, code);
      }

      it('refuses an empty or blank name with NAME_REQUIRED', async () => {
        await refusedCreate({ name: '' }, 400, 'NAME_REQUIRED');
        await refusedCreate({ name: '   ' }, 400, 'NAME_REQUIRED');
      });

      it('refuses a 65-code-point name with NAME_TOO_LONG', async () => {
        await refusedCreate({ name: 'a'.repeat(65) }, 400, 'NAME_TOO_LONG');
        await refusedCreate({ name: '😀'.repeat(65) }, 400, 'NAME_TOO_LONG');
      });

      it('accepts a 64-code-point name, counted in code points after NFC', async () => {
        const { session: own } = await userWithSession(server, 'bad64');
        const astral = await own.call('/api/v1/app-passwords', { method: 'POST', body: { name: '😀'.repeat(64) } });
        assert.equal(astral.status, 201, astral.text);
        assert.equal(astral.json.appPassword.name, '😀'.repeat(64));
        // 128 code points before NFC, 64 after.
        const decomposed = await own.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'e\u0301'.repeat(64) } });
        assert.equal(decomposed.status, 201, decomposed.text);
        assert.equal(decomposed.json.appPassword.name, '\u00e9'.repeat(64));
        const plain = await own.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'b'.repeat(64) } });
        assert.equal(plain.status, 201, plain.text);
      });

      it('refuses a name with control characters at the schema with VALIDATION_FAILED', async () => {
        for (const name of ['Mon\u0007WebDAV', 'Mon\nWebDAV', 'Mon\tWebDAV', 'Mon\u0000WebDAV', 'Mon\u0085WebDAV']) {
          await refusedCreate({ name }, 400, 'VALIDATION_FAILED');
        }
      });

      it('refuses a name with a line separator or an invisible format character with NAME_INVALID_CHARACTERS', async () => {
        for (const name of ['Mon\u2028WebDAV', 'Mon\u202eWebDAV', 'Mon\u200bWebDAV']) {
          await refusedCreate({ name }, 400, 'NAME_INVALID_CHARACTERS');
        }
      });

      it('refuses a duplicate name, also in another case or with spaces around, with NAME_TAKEN', async () => {
        await refusedCreate({ name: 'Mon WebDAV' }, 409, 'NAME_TAKEN');
        await refusedCreate({ name: 'mon webdav' }, 409, 'NAME_TAKEN');
        await refusedCreate({ name: '  MON WEBDAV ' }, 409, 'NAME_TAKEN');
      });

      it('refuses an unknown application with UNKNOWN_APPLICATION', async () => {
        await refusedCreate({ name: 'FTP', application: 'ftp' }, 400, 'UNKNOWN_APPLICATION');
      });

      it('refuses an unknown extra body field with VALIDATION_FAILED', async () => {
        await refusedCreate({ name: 'Extra', secret: 'mine' }, 400, 'VALIDATION_FAILED');
        await refusedCreate({ name: 'Extra', expiresInDays: 'soon' }, 400, 'VALIDATION_FAILED');
      });

      it('refuses the 51st active password with TOO_MANY_APP_PASSWORDS, and accepts it once one is deleted', async () => {
        const { session: many } = await userWithSession(server, 'many');
        const ids: string[] = [];
        for (let i = 1; i <= 50; i += 1) ids.push((await createPassword(many, { name: `P${i}` })).id);
        const reply = await assertUnchanged(
          server,
          () => many.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'P51' } }),
          ALL_TABLES,
        );
        assertError(reply, 409, 'TOO_MANY_APP_PASSWORDS');
        const deleted = await many.call(`/api/v1/app-passwords/${ids[0]}`, { method: 'DELETE' });
        assert.equal(deleted.status, 204);
        const again = await many.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'P51' } });
        assert.equal(again.status, 201, again.text);
      });

      it("refuses PATCH and DELETE of another user's or an unknown id with APP_PASSWORD_NOT_FOUND", async () => {
        const { session: other } = await userWithSession(server, 'bad-other');
        const foreign = await createPassword(other, { name: 'À moi' });
        for (const id of [foreign.id, crypto.randomUUID(), 'not-an-id']) {
          const patch = await assertUnchanged(
            server,
            () => session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { name: 'Volé', application: 'webdav' } }),
            ALL_TABLES,
          );
          assertError(patch, 404, 'APP_PASSWORD_NOT_FOUND');
          const del = await assertUnchanged(
            server,
            () => session.call(`/api/v1/app-passwords/${id}`, { method: 'DELETE' }),
            ALL_TABLES,
          );
          assertError(del, 404, 'APP_PASSWORD_NOT_FOUND');
        }
        assert.equal((await forwardAuth(server, 'webdav', 'bad-other', foreign.secret)).status, 204);
      });

      it('refuses a PATCH to a taken name, an invalid name, an unknown application or an extra field', async () => {
        const target = await createPassword(session, { name: 'Autre' });
        const cases: Array<[unknown, number, string]> = [
          [{ name: 'MON webdav' }, 409, 'NAME_TAKEN'],
          [{ name: '' }, 400, 'NAME_REQUIRED'],
          [{ name: 'x'.repeat(65) }, 400, 'NAME_TOO_LONG'],
          [{ name: 'a\u001bb' }, 400, 'VALIDATION_FAILED'],
          [{ name: 'a\u202eb' }, 400, 'NAME_INVALID_CHARACTERS'],
          [{ application: 'ftp' }, 400, 'UNKNOWN_APPLICATION'],
          [{ name: 'ok', owner: ownerId }, 400, 'VALIDATION_FAILED'],
          [{}, 400, 'VALIDATION_FAILED'],
        ];
        for (const [body, status, code] of cases) {
          const reply = await assertUnchanged(
            server,
            () => session.call(`/api/v1/app-passwords/${target.id}`, { method: 'PATCH', body }),
            ALL_TABLES,
          );
          assertError(reply, status, code);
        }
      });
    });

    describe('rename, assign, delete', () => {
      it('renames a password and assigns it ("Configurer"), then reassigns it', async () => {
        const { session } = await userWithSession(server, 'edit1');
        const { id } = await createPassword(session, { name: 'Ancien' });
        const renamed = await session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { name: 'Nouveau' } });
        assert.equal(renamed.status, 200, renamed.text);
        assert.equal(renamed.json.appPassword.name, 'Nouveau');
        assert.equal((await findOne(session, id)).name, 'Nouveau');

        const assigned = await session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { application: 'sync' } });
        assert.equal(assigned.status, 200, assigned.text);
        assert.equal(assigned.json.appPassword.application, 'sync');
        assert.equal(assigned.json.appPassword.assignedBy, 'user');

        const reassigned = await session.call(`/api/v1/app-passwords/${id}`, {
          method: 'PATCH',
          body: { application: 'outlook' },
        });
        assert.equal(reassigned.status, 200, reassigned.text);
        assert.equal(reassigned.json.appPassword.application, 'outlook');
        assert.equal((await findOne(session, id)).application, 'outlook');
      });

      it('accepts application: null, the declared "unassigned", on creation and on PATCH', async () => {
        const { session } = await userWithSession(server, 'edit5');
        const created = await session.call('/api/v1/app-passwords', {
          method: 'POST',
          body: { name: 'Libre', application: null },
        });
        assert.equal(created.status, 201, created.text);
        assert.equal(created.json.appPassword.application, null);
        const { id } = await createPassword(session, { name: 'Assigné', application: 'webdav' });
        const unassigned = await session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { application: null } });
        assert.equal(unassigned.status, 200, unassigned.text);
        assert.equal(unassigned.json.appPassword.application, null);
        assert.equal(unassigned.json.appPassword.assignedBy, null);
      });

      it('deletes a password: it leaves the list and is refused at the next request', async () => {
        const { session } = await userWithSession(server, 'edit2');
        const { id, secret } = await createPassword(session, { name: 'Jetable', application: 'webdav' });
        assert.equal((await forwardAuth(server, 'webdav', 'edit2', secret)).status, 204);
        const deleted = await session.call(`/api/v1/app-passwords/${id}`, { method: 'DELETE' });
        assert.equal(deleted.status, 204);
        assert.ok(!(await listOf(session)).some((p) => p.id === id));
        assertUniform401(await forwardAuth(server, 'webdav', 'edit2', secret));
      });

      it("frees a deleted password's name for a new one", async () => {
        const { session } = await userWithSession(server, 'edit3');
        const { id } = await createPassword(session, { name: 'Réutilisé' });
        assert.equal((await session.call(`/api/v1/app-passwords/${id}`, { method: 'DELETE' })).status, 204);
        const again = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'réutilisé' } });
        assert.equal(again.status, 201, again.text);
      });

      it('creates a password already assigned when an application is given', async () => {
        const { session } = await userWithSession(server, 'edit4');
        const reply = await session.call('/api/v1/app-passwords', {
          method: 'POST',
          body: { name: 'Outlook', application: 'outlook' },
        });
        assert.equal(reply.status, 201);
        assert.equal(reply.json.appPassword.application, 'outlook');
        assert.equal(reply.json.appPassword.assignedBy, 'user');
        assert.equal((await forwardAuth(server, 'outlook', 'edit4', reply.json.password)).status, 204);
        assertUniform401(await forwardAuth(server, 'webdav', 'edit4', reply.json.password));
      });
    });

    describe('assignment on first use', () => {
      it('binds an unassigned password to the first application that uses it, then refuses it on another', async () => {
        const { session } = await userWithSession(server, 'bind1');
        const { id, secret } = await createPassword(session, { name: 'Lecteur réseau' });
        assert.equal((await forwardAuth(server, 'webdav', 'bind1', secret)).status, 204);
        const listed = await findOne(session, id);
        assert.equal(listed.application, 'webdav');
        assert.equal(listed.assignedBy, 'first-use');
        assertUniform401(await forwardAuth(server, 'sync', 'bind1', secret));
        assertUniform401(await forwardAuth(server, 'outlook', 'bind1', secret));
        assert.equal((await forwardAuth(server, 'webdav', 'bind1', secret)).status, 204);
        assert.equal((await findOne(session, id)).application, 'webdav');
      });

      it('does not bind a password used on GET /me over Basic auth', async () => {
        const { session } = await userWithSession(server, 'bind2');
        const { id, secret } = await createPassword(session, { name: 'Test client' });
        const me = await request(server.url, '/api/v1/me', { headers: basic('bind2', secret) });
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.user.username, 'bind2');
        assert.equal(me.json.via, 'app-password');
        const listed = await findOne(session, id);
        assert.equal(listed.application, null);
        assert.equal(listed.assignedBy, null);
        // Still free: the first real application gets it.
        assert.equal((await forwardAuth(server, 'sync', 'bind2', secret)).status, 204);
        assert.equal((await findOne(session, id)).application, 'sync');
      });

      it('lets the owner reassign a password bound on first use; it then works only on the new application', async () => {
        const { session } = await userWithSession(server, 'bind3');
        const { id, secret } = await createPassword(session, { name: 'Changeant' });
        assert.equal((await forwardAuth(server, 'webdav', 'bind3', secret)).status, 204);
        const patched = await session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { application: 'sync' } });
        assert.equal(patched.status, 200, patched.text);
        assert.equal(patched.json.appPassword.assignedBy, 'user');
        assert.equal((await forwardAuth(server, 'sync', 'bind3', secret)).status, 204);
        assertUniform401(await forwardAuth(server, 'webdav', 'bind3', secret));
      });

      it('records first-use assignments, assignments by the user and deletions in the audit log', async () => {
        const { session, id: userId } = await userWithSession(server, 'bind4');
        const first = await createPassword(session, { name: 'Premier usage' });
        const second = await createPassword(session, { name: 'Configuré' });
        const ip = freshIp();
        assert.equal((await forwardAuth(server, 'outlook', 'bind4', first.secret, ip)).status, 204);
        await session.call(`/api/v1/app-passwords/${second.id}`, { method: 'PATCH', body: { application: 'webdav' } });
        await session.call(`/api/v1/app-passwords/${first.id}`, { method: 'DELETE' });
        const audit = await admin.call('/api/v1/admin/audit?limit=500');
        assert.equal(audit.status, 200, audit.text);
        const mine = (audit.json.entries as Array<Record<string, any>>).filter((e) => e.targetUserId === userId);
        const bound = mine.find((e) => e.action === 'app-password.assigned-on-first-use');
        assert.ok(bound, 'first-use assignment not audited');
        assert.equal(bound.details.appPasswordId, first.id);
        assert.equal(bound.details.application, 'outlook');
        assert.equal(bound.ip, ip);
        const configured = mine.find((e) => e.action === 'app-password.updated' && e.details.appPasswordId === second.id);
        assert.ok(configured, 'assignment by the user not audited');
        assert.equal(configured.details.application, 'webdav');
        assert.equal(configured.actor, 'bind4');
        const deleted = mine.find((e) => e.action === 'app-password.deleted');
        assert.ok(deleted, 'deletion not audited');
        assert.equal(deleted.details.appPasswordId, first.id);
        assert.equal(deleted.actor, 'bind4');
        const text = audit.text;
        assert.ok(!text.includes(first.secret) && !text.includes(second.secret));
      });
    });

    describe('the secret is shown only once', () => {
      it('never appears in the list, PATCH, GET /me, connections, the admin listing or the audit log', async () => {
        const { session, id: userId } = await userWithSession(server, 'once1');
        const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Une fois' } });
        const secret: string = created.json.password;
        const id: string = created.json.appPassword.id;
        assert.equal((await forwardAuth(server, 'webdav', 'once1', secret)).status, 204);
        await forwardAuth(server, 'sync', 'once1', secret); // a failure, shown in connections
        await server.server.services.usage.flush(true);
        const replies = [
          await session.call('/api/v1/app-passwords'),
          await session.call(`/api/v1/app-passwords/${id}`, { method: 'PATCH', body: { name: 'Renommé' } }),
          await session.call('/api/v1/me'),
          await request(server.url, '/api/v1/me', { headers: basic('once1', secret) }),
          await session.call('/api/v1/connections'),
          await admin.call(`/api/v1/admin/users/${userId}/app-passwords`),
          await admin.call('/api/v1/admin/users'),
          await admin.call('/api/v1/admin/audit?limit=500'),
        ];
        for (const reply of replies) {
          assert.equal(reply.status, 200, reply.text);
          assert.ok(!reply.text.includes(secret), `the secret appeared again: ${reply.text}`);
          assert.ok(!reply.text.includes(JSON.stringify(secret).slice(1, -1)));
          assert.ok(!Object.values(reply.headers).join('\n').includes(secret));
        }
        assert.ok(replies[4]!.json.connections.some((c: { appPassword: { id: string } | null }) => c.appPassword?.id === id));
      });
    });

    describe('recent connections', () => {
      it("lists successful uses aggregated per address, with a growing count and the password's name and id", async () => {
        const { session } = await userWithSession(server, 'conn1');
        const { id, secret } = await createPassword(session, { name: 'Synchro', application: 'sync' });
        const ip = freshIp();
        const agent = { 'user-agent': 'Nextcloud-desktop/3.12' };
        const use = () =>
          request(server.url, '/api/v1/forward-auth/sync', { headers: { ...basic('conn1', secret), ...agent }, from: ip });
        assert.equal((await use()).status, 204);
        const rowsOf = async () =>
          ((await session.call('/api/v1/connections')).json.connections as Array<Record<string, any>>).filter(
            (c) => c.outcome === 'success' && c.method === 'app-password' && c.ip === ip,
          );
        const first = await rowsOf();
        assert.equal(first.length, 1);
        assert.equal(first[0]!.count, 1);
        assert.deepEqual(first[0]!.appPassword, { id, name: 'Synchro', active: true });
        assert.equal(first[0]!.application, 'sync');
        assert.equal(first[0]!.client, 'Nextcloud-desktop/3.12');

        assert.equal((await use()).status, 204);
        assert.equal((await use()).status, 204);
        clock.advance(61_000);
        assert.equal((await use()).status, 204);
        await server.server.services.usage.flush(true);
        const later = await rowsOf();
        assert.equal(later.length, 1, 'uses from one address and client are one row');
        assert.equal(later[0]!.count, 4);
        assert.deepEqual(later[0]!.appPassword, { id, name: 'Synchro', active: true });

        const other = freshIp();
        assert.equal(
          (await request(server.url, '/api/v1/forward-auth/sync', { headers: basic('conn1', secret), from: other })).status,
          204,
        );
        await server.server.services.usage.flush(true);
        const all = (await session.call('/api/v1/connections')).json.connections as Array<Record<string, any>>;
        assert.ok(all.some((c) => c.ip === other && c.outcome === 'success' && c.count === 1));
      });

      it('lists failed attempts on the account, aggregated with a growing count', async () => {
        const { session } = await userWithSession(server, 'conn2');
        const ip = freshIp();
        const failures = async () =>
          ((await session.call('/api/v1/connections')).json.connections as Array<Record<string, any>>).filter(
            (c) => c.outcome === 'failure' && c.ip === ip,
          );
        assertUniform401(await forwardAuth(server, 'webdav', 'conn2', 'not-the-password', ip));
        let rows = await failures();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.count, 1);
        assert.equal(rows[0]!.application, 'webdav');
        assertUniform401(await forwardAuth(server, 'webdav', 'conn2', 'still-not-it', ip));
        rows = await failures();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.count, 2);
      });

      it('lets the user delete the password named in a connection row', async () => {
        const { session } = await userWithSession(server, 'conn3');
        const { secret } = await createPassword(session, { name: 'Suspect' });
        const ip = freshIp();
        assert.equal((await forwardAuth(server, 'webdav', 'conn3', secret, ip)).status, 204);
        const row = ((await session.call('/api/v1/connections')).json.connections as Array<Record<string, any>>).find(
          (c) => c.ip === ip,
        );
        assert.ok(row?.appPassword, 'the connection does not name its app password');
        assert.equal(row.appPassword.name, 'Suspect');
        const deleted = await session.call(`/api/v1/app-passwords/${row.appPassword.id}`, { method: 'DELETE' });
        assert.equal(deleted.status, 204);
        assertUniform401(await forwardAuth(server, 'webdav', 'conn3', secret, ip));
        const after = ((await session.call('/api/v1/connections')).json.connections as Array<Record<string, any>>).find(
          (c) => c.id === row.id,
        );
        // The row keeps the password's name, marked no longer active (no delete offered for it).
        assert.deepEqual(after?.appPassword, { id: row.appPassword.id, name: 'Suspect', active: false });
      });
    });
  });
}
