// The hot path's read (repositories/app-passwords.ts readForBasicAuth) on
// real PostgreSQL: it runs as a named prepared statement, so each pooled
// connection parses and plans it once, and it still sees a revocation at the
// very next read (a prepared plan, never a cached result).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDatabase, directReaderOf, type Db } from '../../src/db/database.js';
import { readForBasicAuth } from '../../src/repositories/app-passwords.js';
import { createPostgresDatabase, tempDir } from '../helpers/server.js';

const POOL_SIZE = 10;
const USER_ID = crypto.randomUUID();
const PASSWORD_ID = crypto.randomUUID();
const SECRET_HASH = crypto.randomBytes(32).toString('hex');
const KEYS = { ip: 'ip:192.0.2.1', ipUser: 'ip-user:192.0.2.1:alice', account: 'account:alice' };

describe('the hot-path statement (postgres)', () => {
  let db: Db;

  before(async () => {
    db = await openDatabase({ databaseUrl: await createPostgresDatabase(), dataDir: tempDir('sesame-hot-') });
    const now = Date.now();
    await db
      .insertInto('users')
      .values({
        id: USER_ID,
        username: 'alice',
        username_key: 'alice',
        role: 'user',
        auth_source: 'local',
        password_hash: null,
        totp_secret: null,
        totp_last_step: null,
        totp_pending_secret: null,
        disabled_at: null,
        password_changed_at: now,
        created_at: now,
      })
      .execute();
    await db
      .insertInto('app_passwords')
      .values({
        id: PASSWORD_ID,
        user_id: USER_ID,
        name: 'Drive',
        name_key: 'drive',
        secret_hash: SECRET_HASH,
        application: 'webdav',
        assigned_at: now,
        assigned_by: 'user',
        created_at: now,
        expires_at: now + 86_400_000,
        revoked_at: null,
        revoked_reason: null,
        last_used_at: null,
        last_used_ip: null,
        last_used_client: null,
        last_used_application: null,
      })
      .execute();
  });

  after(async () => {
    await db?.destroy();
  });

  it('is a named prepared statement on every pooled connection that ran it', async () => {
    // As many reads at once as the pool has connections: every connection runs it.
    const reads = await Promise.all(Array.from({ length: POOL_SIZE }, () => readForBasicAuth(db, SECRET_HASH, KEYS)));
    for (const read of reads) assert.equal(read.candidate?.id, PASSWORD_ID);
    const prepared = (await directReaderOf(db).rows('select name, statement from pg_prepared_statements', [])) as {
      name: string;
      statement: string;
    }[];
    const hot = prepared.filter((p) => p.statement.includes('"app_passwords"."secret_hash"'));
    assert.equal(hot.length, 1, JSON.stringify(prepared));
    assert.match(hot[0]!.name, /^sesame_[0-9a-f]{24}$/);
  });

  it('sees a revocation at the very next read', async () => {
    assert.equal((await readForBasicAuth(db, SECRET_HASH, KEYS)).candidate?.revokedAt, null);
    const at = Date.now();
    await db
      .updateTable('app_passwords')
      .set({ revoked_at: at, revoked_reason: 'admin' })
      .where('id', '=', PASSWORD_ID)
      .execute();
    assert.equal((await readForBasicAuth(db, SECRET_HASH, KEYS)).candidate?.revokedAt, at);
  });
});
