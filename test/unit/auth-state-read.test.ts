// The auth-state version read shared by the callers of one event-loop turn
// (repositories/auth-state.ts): callers that ask together share one read,
// and a read asked after a write committed always sees that write, even
// while an earlier read is still pending. On SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDatabase, type Db } from '../../src/db/database.js';
import { readAuthStateVersion } from '../../src/repositories/auth-state.js';
import { createServerKey } from '../../src/security/server-key.js';
import { createUser } from '../../src/accounts/users.js';
import { createAppPassword, revokeAppPassword } from '../../src/app-passwords/store.js';
import { CLI_ACTOR } from '../../src/audit/audit-log.js';
import { systemClock, type Context } from '../../src/context.js';
import { createPostgresDatabase, DIALECTS, TEST_ARGON2_COST, tempDir } from '../helpers/server.js';

for (const dialect of DIALECTS) {
  describe(`the auth-state version read (${dialect})`, () => {
    let db: Db;
    let ctx: Context;
    let userId: string;

    before(async () => {
      const dataDir = tempDir('sesame-auth-state-');
      db = await openDatabase({
        databaseUrl: dialect === 'postgres' ? await createPostgresDatabase() : undefined,
        dataDir,
      });
      ctx = { db, key: createServerKey(crypto.randomBytes(32)), clock: systemClock, argon2Cost: TEST_ARGON2_COST };
      userId = (await createUser(ctx, { username: 'alice', password: 'correct horse battery', role: 'user' }, CLI_ACTOR)).id;
    });

    after(async () => {
      await db?.destroy();
    });

    it('gives the callers of one turn one shared read', async () => {
      const first = readAuthStateVersion(db);
      const second = readAuthStateVersion(db);
      assert.equal(first, second);
      assert.equal(await first, await second);
      const later = readAuthStateVersion(db);
      assert.notEqual(later, first, 'a caller after the read was made waits for a read of its own');
      assert.equal(await later, await first);
    });

    it('sees a write committed before it was asked, even while an earlier read is pending', async () => {
      const created = await createAppPassword(ctx, userId, { name: 'Drive', application: 'webdav' }, CLI_ACTOR, 'cli');
      const before = await readAuthStateVersion(db);
      const pending = readAuthStateVersion(db);
      await revokeAppPassword(ctx, created.appPassword.id, CLI_ACTOR);
      const afterRevoke = await readAuthStateVersion(db);
      assert.ok(afterRevoke > before, `the revocation bumped the version: ${before} → ${afterRevoke}`);
      assert.ok((await pending) >= before);
    });
  });
}
