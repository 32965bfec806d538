// The hot path's read (repositories/app-passwords.ts readForBasicAuth) on
// real PostgreSQL: it runs as a named prepared statement, so each pooled
// connection parses and plans it once, and it still sees a revocation at the
// very next read (a prepared plan, never a cached result), together with
// the auth-state version of the same snapshot. The user and the password
// are made through the domain, the secret keyed by the server key.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDatabase, directReaderOf, type Db } from '../../src/db/database.js';
import { readForBasicAuth } from '../../src/repositories/app-passwords.js';
import { readAuthStateVersion } from '../../src/repositories/auth-state.js';
import { createServerKey } from '../../src/security/server-key.js';
import { createUser } from '../../src/accounts/users.js';
import { createAppPassword, revokeAppPassword } from '../../src/app-passwords/store.js';
import { CLI_ACTOR } from '../../src/audit/audit-log.js';
import { systemClock, type Context } from '../../src/context.js';
import { TEST_ARGON2_COST, createPostgresDatabase, tempDir } from '../helpers/server.js';

const POOL_SIZE = 10;
const KEYS = { ip: 'ip:192.0.2.1', ipUser: 'ip-user:192.0.2.1:alice', account: 'account:alice' };

describe('the hot-path statement (postgres)', () => {
  let db: Db;
  let ctx: Context;
  let passwordId: string;
  let secretHash: string;

  before(async () => {
    db = await openDatabase({ databaseUrl: await createPostgresDatabase(), dataDir: tempDir('sesame-hot-') });
    ctx = { db, key: createServerKey(crypto.randomBytes(32)), clock: systemClock, argon2Cost: TEST_ARGON2_COST };
    const user = await createUser(ctx, { username: 'alice', password: 'correct horse battery', role: 'user' }, CLI_ACTOR);
    const created = await createAppPassword(ctx, user.id, { name: 'Drive', application: 'webdav' }, CLI_ACTOR, 'cli');
    passwordId = created.appPassword.id;
    secretHash = ctx.key.hashAppPassword(created.secret);
  });

  after(async () => {
    await db?.destroy();
  });

  it('is a named prepared statement on every pooled connection that ran it', async () => {
    // As many reads at once as the pool has connections: every connection runs it.
    const reads = await Promise.all(Array.from({ length: POOL_SIZE }, () => readForBasicAuth(db, secretHash, KEYS)));
    for (const read of reads) assert.equal(read.candidate?.id, passwordId);
    const prepared = (await directReaderOf(db).rows('select name, statement from pg_prepared_statements', [])) as {
      name: string;
      statement: string;
    }[];
    const hot = prepared.filter((p) => p.statement.includes('"app_passwords"."secret_hash"'));
    assert.equal(hot.length, 1, JSON.stringify(prepared));
    assert.match(hot[0]!.name, /^sesame_[0-9a-f]{24}$/);
  });

  it('sees a revocation at the very next read, with the auth-state version that the revocation bumped', async () => {
    const before = await readForBasicAuth(db, secretHash, KEYS);
    assert.equal(before.candidate?.revokedAt, null);
    assert.equal(before.version, await readAuthStateVersion(db));
    await revokeAppPassword(ctx, passwordId, CLI_ACTOR);
    const after = await readForBasicAuth(db, secretHash, KEYS);
    assert.notEqual(after.candidate?.revokedAt, null);
    assert.ok(after.version > before.version, `version ${after.version} after ${before.version}`);
    assert.equal(after.version, await readAuthStateVersion(db));
  });
});
