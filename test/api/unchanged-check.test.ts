/**
 * The "nothing changed" check of the JSON API suites (assertUnchanged, which
 * compares tableContents before and after a request), on SQLite and
 * PostgreSQL: it sees one column of one row changed, a row added and a row
 * deleted in any of the tables it watches, and nothing where nothing changed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { ALL_TABLES, PASSWORD, assertUnchanged, tableContents, userWithSession } from './support.js';

for (const dialect of DIALECTS) {
  describe(`the "nothing changed" check (${dialect})`, () => {
    let server: TestServer;
    let userId: string;

    before(async () => {
      server = await startServer({ dialect });
      ({ id: userId } = await userWithSession(server, 'watched'));
      await userWithSession(server, 'other');
    });
    after(() => server?.close());

    it('passes a request that changes nothing, and returns its result', async () => {
      const result = await assertUnchanged(server, async () => 'result', ALL_TABLES);
      assert.equal(result, 'result');
    });

    it('fails on one column of one row changed, even to a value of another type', async () => {
      const db = server.server.services.db;
      await assert.rejects(
        assertUnchanged(server, () => db.updateTable('users').set({ role: 'admin' }).where('id', '=', userId).execute()),
        /the database changed/,
      );
      await assert.rejects(
        assertUnchanged(server, () => db.updateTable('users').set({ disabled_at: 1 }).where('id', '=', userId).execute()),
        /the database changed/,
      );
      await assert.rejects(
        assertUnchanged(server, () => db.updateTable('users').set({ disabled_at: null }).where('id', '=', userId).execute()),
        /the database changed/,
      );
    });

    it('fails on a row added or deleted, in each table it watches', async () => {
      const db = server.server.services.db;
      const row = { key: 'watched-key', failures: 1, blocked_until: 0, last_failure_at: 0 };
      await assert.rejects(
        assertUnchanged(server, () => db.insertInto('throttle').values(row).execute(), ['throttle']),
        /the database changed/,
      );
      await assert.rejects(
        assertUnchanged(server, () => db.deleteFrom('throttle').where('key', '=', row.key).execute(), ['throttle']),
        /the database changed/,
      );
      await assert.doesNotReject(
        assertUnchanged(server, () => db.insertInto('throttle').values(row).execute(), ['users', 'sessions']),
      );
    });

    it('reads every row and every column: the contents name each user and hold its password hash', async () => {
      const { users } = await tableContents(server, ['users']);
      const lines = users!.split('\n');
      assert.equal(lines.length, 2);
      for (const name of ['watched', 'other'])
        assert.ok(lines.some((line) => line.includes(`'${name}'`) || line.includes(`,${name},`)));
      assert.ok(users!.includes('$argon2id$'));
      assert.ok(!users!.includes(PASSWORD));
    });
  });
}
