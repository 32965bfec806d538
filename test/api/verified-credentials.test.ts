/**
 * Reuse of verified credentials (auth/verified-credentials.ts) by two server
 * nodes on one database, on SQLite and PostgreSQL: a repeated credential
 * skips the lookup and costs one read of the auth-state version; every
 * write that can change a Basic-auth outcome, made on the other node, makes
 * the very next request on this one read the credential again and answer
 * as the database now says; the coalesced last-use write and the other
 * bookkeeping do not; expiry is checked by the clock at each request; the
 * throttle keeps its semantics; uses of a reused credential are recorded.
 */
import crypto from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type LogEvent } from 'kysely';
import {
  DIALECTS,
  ManualClock,
  addUser,
  createPostgresDatabase,
  startServer,
  tempDir,
  type TestServer,
} from '../helpers/server.js';
import { basic, request, type HttpReply } from '../helpers/http.js';
import { CLI_ACTOR } from '../../src/audit/audit-log.js';
import { createAppPassword, revokeAppPassword, updateAppPassword } from '../../src/app-passwords/store.js';
import { disableUser, enableUser, setPrimaryPassword } from '../../src/accounts/users.js';
import { recordLastUse } from '../../src/repositories/app-passwords.js';
import { lockUser } from '../../src/repositories/users.js';
import { freshIp, openSession } from './support.js';

/** Every column and row operation whose write must make the next request read the credential again. */
const MUST_INVALIDATE: Record<string, { rows: ('INSERT' | 'DELETE')[]; columns: string[] }> = {
  users: {
    rows: ['INSERT', 'DELETE'],
    columns: ['username', 'username_key', 'role', 'auth_source', 'disabled_at', 'password_hash', 'password_changed_at'],
  },
  app_passwords: {
    rows: ['INSERT', 'DELETE'],
    columns: ['user_id', 'secret_hash', 'application', 'expires_at', 'revoked_at'],
  },
  oidc_accounts: { rows: ['INSERT', 'DELETE'], columns: ['user_id', 'issuer', 'subject'] },
  throttle: { rows: ['INSERT', 'DELETE'], columns: ['failures', 'blocked_until', 'last_failure_at'] },
};

const WRONG_SECRET = 'Zq7#Lm2!Xc9@Vb4$Nk6%Tp8&';

interface Subject {
  username: string;
  userId: string;
  appPasswordId: string;
  secret: string;
  /** Another user, to move the password to. */
  spareUserId: string;
  from: string;
}

for (const dialect of DIALECTS) {
  describe(`verified credentials reused across requests (${dialect}, two nodes on one database)`, () => {
    const clock = new ManualClock();
    const secretKeyHex = crypto.randomBytes(32).toString('hex');
    let nodeA: TestServer;
    let nodeB: TestServer;
    let lookups = 0;
    let versionReads = 0;
    let counter = 0;
    let spareUserId: string;

    function observe(event: LogEvent): void {
      const text = event.query.sql;
      if (/^select/i.test(text) && text.includes('"app_passwords"."secret_hash"')) lookups++;
      else if (/^select/i.test(text) && text.includes('"auth_state"')) versionReads++;
    }

    before(async () => {
      if (dialect === 'postgres') {
        const databaseUrl = await createPostgresDatabase();
        nodeA = await startServer({ dialect, databaseUrl, secretKeyHex, clock, onQuery: observe });
        nodeB = await startServer({ dialect, databaseUrl, secretKeyHex, clock });
      } else {
        const dataDir = tempDir('sesame-verified-');
        nodeA = await startServer({ dialect, dataDir, secretKeyHex, clock, onQuery: observe });
        nodeB = await startServer({ dialect, dataDir, secretKeyHex, clock });
      }
      spareUserId = (await addUser(nodeB, `spare${dialect}`)).id;
    });
    after(async () => {
      await nodeB?.close();
      await nodeA?.close();
    });

    const dbB = () => nodeB.server.services.db;

    /** One Basic request on node A's webdav forward-auth route; tells whether the credential was looked up. */
    async function useOnA(subject: Subject, username = subject.username): Promise<{ reply: HttpReply; lookedUp: boolean }> {
      lookups = 0;
      versionReads = 0;
      const reply = await request(nodeA.url, '/api/v1/forward-auth/webdav', {
        headers: basic(username, subject.secret),
        from: subject.from,
      });
      return { reply, lookedUp: lookups > 0 };
    }

    /** A user with a webdav password, created on node B through the domain, verified once on node A and reused once. */
    async function cachedCredential(): Promise<Subject> {
      const username = `user${dialect}${counter++}`;
      const user = await addUser(nodeB, username);
      const created = await createAppPassword(
        nodeB.server.services,
        user.id,
        { name: 'Drive', application: 'webdav' },
        CLI_ACTOR,
        'cli',
      );
      const subject = {
        username,
        userId: user.id,
        appPasswordId: created.appPassword.id,
        secret: created.secret,
        spareUserId,
        from: freshIp(),
      };
      const first = await useOnA(subject);
      assert.equal(first.reply.status, 204, first.reply.text);
      assert.ok(first.lookedUp, 'the first use looks the credential up');
      const second = await useOnA(subject);
      assert.equal(second.reply.status, 204, second.reply.text);
      assert.ok(!second.lookedUp, 'the second use reuses the verified credential');
      return subject;
    }

    async function assertReadAgain(subject: Subject, status: number): Promise<void> {
      const next = await useOnA(subject);
      assert.equal(next.reply.status, status, next.reply.text);
      assert.ok(next.lookedUp, 'the next request read the credential again');
    }

    it('reuses a verified credential with one read of the auth-state version and nothing else', async () => {
      const subject = await cachedCredential();
      const next = await useOnA(subject);
      assert.equal(next.reply.status, 204);
      assert.equal(next.reply.headers['x-sesame-user'], subject.username);
      assert.equal(lookups, 0);
      assert.equal(versionReads, 1);
    });

    for (const [table, watched] of Object.entries(MUST_INVALIDATE)) {
      for (const column of watched.columns) {
        it(`reads the credential again after any write of ${table}.${column} on the other node, even to the same value`, async () => {
          const subject = await cachedCredential();
          const where = await rowOf(table, subject);
          await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${sql.ref(column)} WHERE ${sql.ref(where.column)} = ${where.value}`.execute(
            dbB(),
          );
          await assertReadAgain(subject, 204);
        });
      }
      for (const operation of watched.rows) {
        it(`reads the credential again after a row of ${table} is ${operation === 'INSERT' ? 'inserted' : 'deleted'} on the other node`, async () => {
          const subject = await cachedCredential();
          if (operation === 'INSERT') await insertRow(table, subject);
          else {
            const row = await rowOf(table, subject, true);
            await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(row.column)} = ${row.value}`.execute(dbB());
          }
          await assertReadAgain(subject, table === 'app_passwords' && operation === 'DELETE' ? 401 : 204);
        });
      }
    }

    /** The row of `table` a write is made on; with `removable`, one that can be deleted without touching the subject's credential (except app_passwords: its own). */
    async function rowOf(table: string, subject: Subject, removable = false): Promise<{ column: string; value: string }> {
      if (table === 'users' && !removable) return { column: 'id', value: subject.userId };
      if (table === 'app_passwords') return { column: 'id', value: subject.appPasswordId };
      // Rows made before the credential is verified again, so that making them invalidated nothing it relies on.
      const column = table === 'users' ? 'id' : table === 'throttle' ? 'key' : 'user_id';
      return { column, value: await readyRow(table, subject) };
    }

    const readyRows = new Map<string, string>();

    async function readyRow(table: string, subject: Subject): Promise<string> {
      const key = `${table}:${subject.userId}`;
      const existing = readyRows.get(key);
      if (existing !== undefined) return existing;
      // The row is inserted now, then the credential verified again so that it is cached after the insert.
      const value = await insertRow(table, subject);
      readyRows.set(key, value);
      const again = await useOnA(subject);
      assert.equal(again.reply.status, 204);
      const reused = await useOnA(subject);
      assert.ok(!reused.lookedUp, 'reused before the write under test');
      return value;
    }

    async function insertRow(table: string, subject: Subject): Promise<string> {
      const db = dbB();
      switch (table) {
        case 'users':
          return (await addUser(nodeB, `inserted${dialect}${counter++}`)).id;
        case 'app_passwords':
          return (
            await createAppPassword(nodeB.server.services, subject.userId, { name: `Other ${counter++}` }, CLI_ACTOR, 'cli')
          ).appPassword.id;
        case 'oidc_accounts':
          await db
            .insertInto('oidc_accounts')
            .values({
              user_id: subject.userId,
              issuer: 'https://idp.example',
              subject: `sub-${counter++}`,
              email: null,
              refresh_token: null,
              last_checked_at: null,
              recheck_lease_until: null,
              created_at: clock.now(),
            })
            .execute();
          return subject.userId;
        default: {
          const key = `ip:203.0.113.${counter++ % 250}`;
          await db.insertInto('throttle').values({ key, failures: 1, blocked_until: 0, last_failure_at: clock.now() }).execute();
          return key;
        }
      }
    }

    it('leaves the credential in use after the coalesced last-use write and other bookkeeping', async () => {
      const subject = await cachedCredential();
      const db = dbB();
      await recordLastUse(db, subject.appPasswordId, {
        at: clock.now(),
        ip: '192.0.2.1',
        client: 'other node',
        application: 'webdav',
      });
      await db.transaction().execute((trx) => lockUser(trx, subject.userId));
      await openSession(nodeB, subject.userId);
      await db.updateTable('users').set({ totp_last_step: 1 }).where('id', '=', subject.userId).execute();
      await db
        .updateTable('app_passwords')
        .set({ name: 'Renamed', name_key: 'renamed' })
        .where('id', '=', subject.appPasswordId)
        .execute();
      const next = await useOnA(subject);
      assert.equal(next.reply.status, 204);
      assert.ok(!next.lookedUp, 'still reused');
    });

    it('refuses at the very next request a password revoked on the other node', async () => {
      const subject = await cachedCredential();
      await revokeAppPassword(nodeB.server.services, subject.appPasswordId, CLI_ACTOR);
      await assertReadAgain(subject, 401);
    });

    it('refuses at the very next request a password whose owner was disabled on the other node', async () => {
      const subject = await cachedCredential();
      await disableUser(nodeB.server.services, subject.userId, CLI_ACTOR);
      await assertReadAgain(subject, 401);
    });

    it('accepts at the very next request a password whose owner was enabled again on the other node, and refuses it once disabled again', async () => {
      const subject = await cachedCredential();
      await disableUser(nodeB.server.services, subject.userId, CLI_ACTOR);
      await assertReadAgain(subject, 401);
      await enableUser(nodeB.server.services, subject.userId, CLI_ACTOR);
      await assertReadAgain(subject, 204);
      // That success cleared the failure the refused request counted (a throttle write): read once more, then reused.
      await assertReadAgain(subject, 204);
      const reused = await useOnA(subject);
      assert.equal(reused.reply.status, 204, reused.reply.text);
      assert.ok(!reused.lookedUp, 'verified again after the enabling, then reused');
      await disableUser(nodeB.server.services, subject.userId, CLI_ACTOR);
      await assertReadAgain(subject, 401);
    });

    it("refuses at the very next request a password revoked by its owner's password change on the other node", async () => {
      const subject = await cachedCredential();
      const { revokedAppPasswords } = await setPrimaryPassword(
        nodeB.server.services,
        subject.userId,
        'A new passphrase 2026',
        CLI_ACTOR,
      );
      assert.equal(revokedAppPasswords, 1);
      await assertReadAgain(subject, 401);
    });

    it('refuses at the very next request a password assigned to another application on the other node', async () => {
      const subject = await cachedCredential();
      await updateAppPassword(nodeB.server.services, subject.userId, subject.appPasswordId, { application: 'sync' }, CLI_ACTOR);
      await assertReadAgain(subject, 401);
    });

    it('refuses at the very next request a password moved to another user, or whose secret changed, or whose owner got another key', async () => {
      const moved = await cachedCredential();
      await dbB()
        .updateTable('app_passwords')
        .set({ user_id: moved.spareUserId })
        .where('id', '=', moved.appPasswordId)
        .execute();
      await assertReadAgain(moved, 401);
      const rehashed = await cachedCredential();
      await dbB()
        .updateTable('app_passwords')
        .set({ secret_hash: 'f'.repeat(64) })
        .where('id', '=', rehashed.appPasswordId)
        .execute();
      await assertReadAgain(rehashed, 401);
      const rekeyed = await cachedCredential();
      await dbB()
        .updateTable('users')
        .set({ username_key: `${rekeyed.username}-x` })
        .where('id', '=', rekeyed.userId)
        .execute();
      await assertReadAgain(rekeyed, 401);
    });

    it('names the user and role as the database now holds them after a rename on the other node', async () => {
      const subject = await cachedCredential();
      await dbB()
        .updateTable('users')
        .set({ username: subject.username.toUpperCase() })
        .where('id', '=', subject.userId)
        .execute();
      const next = await useOnA(subject);
      assert.equal(next.reply.status, 204);
      assert.ok(next.lookedUp);
      assert.equal(next.reply.headers['x-sesame-user'], subject.username.toUpperCase());
    });

    it('refuses an expired password at its expiry by the clock, with no write anywhere', async () => {
      const subject = await cachedCredential();
      const { expires_at } = await dbB()
        .selectFrom('app_passwords')
        .select('expires_at')
        .where('id', '=', subject.appPasswordId)
        .executeTakeFirstOrThrow();
      clock.current = Number(expires_at);
      const next = await useOnA(subject);
      assert.equal(next.reply.status, 401, next.reply.text);
    });

    it('throttles the owner at the very next request once the other node has blocked its address for the user', async () => {
      const subject = await cachedCredential();
      for (let i = 0; i < 5; i++) {
        const failed = await request(nodeB.url, '/api/v1/forward-auth/webdav', {
          headers: basic(subject.username, WRONG_SECRET),
          from: subject.from,
        });
        assert.equal(failed.status, 401, failed.text);
      }
      const next = await useOnA(subject);
      assert.equal(next.reply.status, 429, next.reply.text);
    });

    it('does not reuse a credential for a username that maps to another user', async () => {
      const subject = await cachedCredential();
      const other = await useOnA(subject, `${subject.username}x`);
      assert.equal(other.reply.status, 401);
      assert.ok(other.lookedUp);
    });

    it('reuses a credential for another spelling of the same username', async () => {
      const subject = await cachedCredential();
      const spelled = await useOnA(subject, subject.username.toUpperCase());
      assert.equal(spelled.reply.status, 204);
      assert.ok(!spelled.lookedUp);
    });

    it('does not remember the use that binds an unassigned password, and reuses it once bound', async () => {
      const user = await addUser(nodeB, `binder${dialect}${counter++}`);
      const created = await createAppPassword(nodeB.server.services, user.id, { name: 'Unassigned' }, CLI_ACTOR, 'cli');
      const subject = {
        username: user.username,
        userId: user.id,
        appPasswordId: created.appPassword.id,
        secret: created.secret,
        spareUserId,
        from: freshIp(),
      };
      const uses = [await useOnA(subject), await useOnA(subject), await useOnA(subject)];
      assert.deepEqual(
        uses.map((use) => [use.reply.status, use.lookedUp]),
        [
          [204, true],
          [204, true],
          [204, false],
        ],
      );
    });

    it('records every use of a reused credential in recent connections', async () => {
      const subject = await cachedCredential();
      for (let i = 0; i < 3; i++) assert.equal((await useOnA(subject)).reply.status, 204);
      await nodeA.server.services.usage.flush(true);
      const rows = await dbB()
        .selectFrom('connections')
        .select(['count', 'outcome'])
        .where('credential', '=', subject.appPasswordId)
        .execute();
      assert.deepEqual(
        rows.map((row) => [row.outcome, Number(row.count)]),
        [['success', 5]],
      );
      const { last_used_at } = await dbB()
        .selectFrom('app_passwords')
        .select('last_used_at')
        .where('id', '=', subject.appPasswordId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(last_used_at), clock.now());
    });
  });
}
