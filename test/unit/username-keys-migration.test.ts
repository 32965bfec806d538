// Migration 005_username_keys (src/db/rekey-usernames.ts) on real databases
// (SQLite, and PostgreSQL): accounts created with the earlier key (NFC, then
// lower case), by the schema as it was at 004, get the RFC 8265 key; when
// two accounts now share a key, the earliest keeps it and the later one is
// kept under a marked key, with an audit entry; no account is lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { openDatabase, type Db } from '../../src/db/database.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { usernameKey } from '../../src/accounts/username.js';
import { findUserByKey } from '../../src/repositories/users.js';
import type { Database } from '../../src/db/schema.js';
import { DIALECTS, createPostgresDatabase, tempDir } from '../helpers/server.js';

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);

/** The key accounts got before 005. */
function earlierKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** Accounts in creation order; `Straße` before `strasse`, `admin` before fullwidth `Ａｄｍｉｎ`. */
const ACCOUNTS = ['admin', 'Straße', 'alice', 'strasse', 'ΟΔΟΣ', 'Ａｄｍｉｎ'].map((username, i) => ({
  id: crypto.randomUUID(),
  username,
  createdAt: T0 + i * 1000,
}));
const byName = (username: string) => ACCOUNTS.find((a) => a.username === username)!;

/** Brings a database to 004 and fills it as the earlier code did. */
async function createAt004(earlier: Kysely<Database>): Promise<void> {
  const upTo004 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name <= '004_strong_sign_in'));
  const { error } = await new Migrator({ db: earlier, provider: { getMigrations: async () => upTo004 } }).migrateToLatest();
  if (error) throw error;
  for (const account of ACCOUNTS) {
    await earlier
      .insertInto('users')
      .values({
        id: account.id,
        username: account.username,
        username_key: earlierKey(account.username),
        role: account.username === 'admin' ? 'admin' : 'user',
        auth_source: 'local',
        password_hash: null,
        totp_secret: null,
        totp_last_step: null,
        totp_pending_secret: null,
        disabled_at: null,
        password_changed_at: account.createdAt,
        created_at: account.createdAt,
      })
      .execute();
  }
  await earlier
    .insertInto('connections')
    .values({
      id: crypto.randomUUID(),
      username_key: 'straße',
      user_id: byName('Straße').id,
      credential: 'primary',
      method: 'password',
      application: '',
      ip: '192.0.2.7',
      client: 'Firefox',
      outcome: 'success',
      first_seen: T0,
      last_seen: T0,
      count: 3,
    })
    .execute();
  await earlier
    .insertInto('throttle')
    .values({ key: 'account:straße', failures: 42, blocked_until: 0, last_failure_at: T0 })
    .execute();
}

for (const dialect of DIALECTS) {
  describe(`migration 005_username_keys (${dialect})`, () => {
    let db: Db;

    before(async () => {
      const dataDir = tempDir('sesame-rekey-');
      const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      const earlier = new Kysely<Database>({
        dialect: databaseUrl
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) })
          : new SqliteDialect({ database: new SqliteDatabase(path.join(dataDir, 'sesame.db')) }),
      });
      try {
        await createAt004(earlier);
      } finally {
        await earlier.destroy();
      }
      db = await openDatabase({ databaseUrl, dataDir });
    });

    after(async () => {
      await db?.destroy();
    });

    const keyOf = async (username: string) =>
      (await db.selectFrom('users').select('username_key').where('id', '=', byName(username).id).executeTakeFirstOrThrow())
        .username_key;

    it('keeps every account', async () => {
      const rows = await db.selectFrom('users').select(['id', 'username']).execute();
      assert.deepEqual(rows.map((r) => r.username).sort(), ACCOUNTS.map((a) => a.username).sort());
    });

    it('gives existing accounts the RFC 8265 key that new accounts get', async () => {
      assert.equal(await keyOf('Straße'), 'strasse');
      assert.equal(await keyOf('ΟΔΟΣ'), 'οδοσ');
      assert.equal(await keyOf('alice'), 'alice');
      assert.equal(await keyOf('admin'), 'admin');
      assert.equal((await findUserByKey(db, usernameKey('STRASSE')))?.id, byName('Straße').id);
      assert.equal((await findUserByKey(db, usernameKey('οδος')))?.id, byName('ΟΔΟΣ').id);
    });

    it('leaves the key to the earliest account of a collision and marks the later one, which no typed name reaches', async () => {
      assert.equal(await keyOf('strasse'), `strasse#conflict-${byName('strasse').id}`);
      assert.equal(await keyOf('Ａｄｍｉｎ'), `admin#conflict-${byName('Ａｄｍｉｎ').id}`);
      assert.equal((await findUserByKey(db, usernameKey('Ａｄｍｉｎ')))?.id, byName('admin').id);
    });

    it('names each marked account and the one that kept the key in the audit log', async () => {
      const entries = await db
        .selectFrom('audit_log')
        .select(['target', 'target_user_id', 'details', 'actor'])
        .where('action', '=', 'user.username-key-conflict')
        .execute();
      const seen = entries.map((e) => ({
        target: e.target,
        targetUserId: e.target_user_id,
        actor: e.actor,
        keptBy: (JSON.parse(e.details) as { keptBy: string }).keptBy,
      }));
      const byTarget = (a: { target: string }, b: { target: string }) => (a.target < b.target ? -1 : 1);
      assert.deepEqual(
        seen.sort(byTarget),
        [
          { target: 'strasse', targetUserId: byName('strasse').id, actor: 'system', keptBy: 'Straße' },
          { target: 'Ａｄｍｉｎ', targetUserId: byName('Ａｄｍｉｎ').id, actor: 'system', keptBy: 'admin' },
        ].sort(byTarget),
      );
    });

    it('moves the recent connections and the account failure counter to the new key', async () => {
      const connection = await db
        .selectFrom('connections')
        .select(['username_key', 'count'])
        .where('user_id', '=', byName('Straße').id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(connection, { username_key: 'strasse', count: 3 });
      const counters = await db.selectFrom('throttle').select(['key', 'failures']).where('key', 'like', 'account:%').execute();
      assert.deepEqual(
        counters.map((c) => ({ key: c.key, failures: Number(c.failures) })),
        [{ key: 'account:strasse', failures: 42 }],
      );
    });
  });
}
