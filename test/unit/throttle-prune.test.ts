/**
 * Pruning of throttle counters (src/auth/throttle.ts pruneThrottle) on a real
 * SQLite and PostgreSQL database: only address counters that would restart
 * anyway go; running blocks and account counters stay.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Db } from '../../src/db/database.js';
import { PER_IP, pruneThrottle } from '../../src/throttle/throttle.js';
import { DIALECTS, createPostgresDatabase, tempDir } from '../helpers/server.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

for (const dialect of DIALECTS) {
  describe(`throttle pruning (${dialect})`, () => {
    let db: Db;
    before(async () => {
      db = await openDatabase({
        databaseUrl: dialect === 'postgres' ? await createPostgresDatabase() : undefined,
        dataDir: tempDir(),
      });
    });
    after(() => db.destroy());

    it('deletes quiet address counters, and keeps recent ones, running blocks and account counters', async () => {
      const stale = NOW - PER_IP.windowMs - 1;
      await db
        .insertInto('throttle')
        .values([
          { key: 'ip:192.0.2.1', failures: 7, blocked_until: 0, last_failure_at: stale },
          { key: 'ip-user:192.0.2.1:alice', failures: 3, blocked_until: stale + 1000, last_failure_at: stale },
          { key: 'ip:192.0.2.2', failures: 2, blocked_until: 0, last_failure_at: NOW - 1000 },
          { key: 'ip:192.0.2.3', failures: 60, blocked_until: NOW + 60_000, last_failure_at: stale },
          { key: 'account:alice', failures: 42, blocked_until: 0, last_failure_at: stale - 86_400_000 },
        ])
        .execute();
      assert.equal(await pruneThrottle(db, NOW), 2);
      const kept = (await db.selectFrom('throttle').select('key').orderBy('key').execute()).map((r) => r.key);
      assert.deepEqual(kept, ['account:alice', 'ip:192.0.2.2', 'ip:192.0.2.3']);
    });
  });
}
