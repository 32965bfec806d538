// Unit tests of the usage recorder (src/connections/usage-recorder.ts) on a
// real database (SQLite, and PostgreSQL): uses of a password are coalesced
// to at most one write transaction per minute, aggregated per (IP, client,
// application) into recent connections, with the password's last use, and
// nothing pending is lost on stop(). Statements are counted with onQuery.
// The user and the passwords are made through the domain (createUser,
// createAppPassword), as the server makes them.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { openDatabase, type Db } from '../../src/db/database.js';
import { UsageRecorder, USAGE_WRITE_INTERVAL_MS, type CredentialUse } from '../../src/connections/usage-recorder.js';
import { createServerKey } from '../../src/security/server-key.js';
import { createUser } from '../../src/accounts/users.js';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import type { Context } from '../../src/context.js';
import { DIALECTS, ManualClock, TEST_ARGON2_COST, createPostgresDatabase, tempDir } from '../helpers/server.js';

const T0 = Date.UTC(2026, 0, 15, 9, 30, 0);

interface Place {
  ip: string;
  client: string;
  application: string;
}

const PLACES: readonly Place[] = [
  { ip: '192.0.2.10', client: 'davfs2/1.7.0 neon/0.33.0', application: 'webdav' },
  { ip: '192.0.2.11', client: 'davfs2/1.7.0 neon/0.33.0', application: 'webdav' },
  { ip: '192.0.2.10', client: 'Microsoft-WebDAV-MiniRedir/10.0.19045', application: 'webdav' },
  // GET /api/v1/me accepts the password for any application and records no application.
  { ip: '192.0.2.10', client: 'curl/8.5.0', application: '' },
];

for (const dialect of DIALECTS) {
  describe(`usage recorder (${dialect})`, () => {
    let db: Db;
    let dataDir: string;
    const statements: string[] = [];
    const errors: unknown[] = [];

    const transactions = () => statements.filter((s) => /^(begin|start transaction)\b/i.test(s)).length;
    const writes = () => statements.filter((s) => /^(insert|update|delete)\b/i.test(s)).length;

    let ctx: Context;
    let userId: string;

    function use(appPasswordId: string | null, place: Place, lastWrittenAt: number | null = null): CredentialUse {
      return { appPasswordId, userId, usernameKey: 'alice', ...place, lastWrittenAt };
    }

    before(async () => {
      dataDir = tempDir('sesame-usage-');
      const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      db = await openDatabase({ databaseUrl, dataDir, onQuery: (event) => statements.push(event.query.sql.trim()) });
      ctx = {
        db,
        key: createServerKey(crypto.randomBytes(32)),
        clock: new ManualClock(T0 - 86_400_000),
        argon2Cost: TEST_ARGON2_COST,
      };
      userId = (await createUser(ctx, { username: 'alice', password: 'correct horse battery', role: 'user' }, SYSTEM_ACTOR)).id;
    });
    after(async () => {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    beforeEach(() => {
      statements.length = 0;
    });

    async function newAppPassword(): Promise<string> {
      const actor = { userId, name: 'alice', ip: '127.0.0.1', client: 'test' };
      const created = await createAppPassword(
        ctx,
        userId,
        { name: `Mon WebDAV ${crypto.randomUUID()}`, application: 'webdav' },
        actor,
        'cli',
      );
      statements.length = 0;
      return created.appPassword.id;
    }

    function newRecorder(clock: ManualClock): UsageRecorder {
      return new UsageRecorder(db, clock, (error) => errors.push(error));
    }

    async function connectionsOf(credential: string) {
      return db
        .selectFrom('connections')
        .selectAll()
        .where('credential', '=', credential)
        .orderBy('ip')
        .orderBy('client')
        .orderBy('application')
        .execute();
    }

    async function lastUse(id: string) {
      return db
        .selectFrom('app_passwords')
        .select(['last_used_at', 'last_used_ip', 'last_used_client', 'last_used_application'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    }

    it('writes 10 000 uses of one password within one minute in exactly one transaction, then the rest once the minute has passed', async () => {
      const id = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      const expected = new Map<string, { count: number; firstSeen: number; lastSeen: number }>();

      for (let i = 0; i < 10_000; i++) {
        clock.current = T0 + Math.floor(i * 5.9); // the last use comes 58.99 s after the first
        const place = PLACES[i % PLACES.length]!;
        await recorder.record(use(id, place));
        const k = JSON.stringify([place.ip, place.client, place.application]);
        const e = expected.get(k) ?? { count: 0, firstSeen: clock.current, lastSeen: clock.current };
        e.count += 1;
        e.lastSeen = clock.current;
        expected.set(k, e);
      }
      const lastAt = clock.current;

      // The first use is written at once; the other 9 999 wait for the minute to pass.
      assert.equal(transactions(), 1);
      assert.equal(writes(), 2, 'one update of the password and one connection row');
      assert.deepEqual(await lastUse(id), {
        last_used_at: T0,
        last_used_ip: PLACES[0]!.ip,
        last_used_client: PLACES[0]!.client,
        last_used_application: PLACES[0]!.application,
      });
      assert.deepEqual(
        (await connectionsOf(id)).map((r) => r.count),
        [1],
      );

      // A flush before the minute has passed writes nothing.
      await recorder.flush();
      assert.equal(transactions(), 1);

      clock.current = T0 + USAGE_WRITE_INTERVAL_MS + 1;
      await recorder.flush();
      assert.equal(transactions(), 2);
      assert.equal(writes(), 2 + 1 + PLACES.length);

      // Nothing is left for later: another flush writes nothing.
      clock.advance(10 * USAGE_WRITE_INTERVAL_MS);
      await recorder.flush();
      assert.equal(transactions(), 2);

      const rows = await connectionsOf(id);
      assert.equal(rows.length, PLACES.length);
      assert.equal(
        rows.reduce((sum, r) => sum + r.count, 0),
        10_000,
      );
      for (const row of rows) {
        const e = expected.get(JSON.stringify([row.ip, row.client, row.application]));
        assert.ok(e, `unexpected row ${row.ip} ${row.client} ${row.application}`);
        assert.equal(row.count, e.count, `count for ${row.ip} ${row.client}`);
        assert.equal(row.first_seen, e.firstSeen);
        assert.equal(row.last_seen, e.lastSeen);
        assert.equal(row.user_id, userId);
        assert.equal(row.username_key, 'alice');
        assert.equal(row.method, 'app-password');
        assert.equal(row.outcome, 'success');
      }
      const last = PLACES[(10_000 - 1) % PLACES.length]!;
      assert.deepEqual(await lastUse(id), {
        last_used_at: lastAt,
        last_used_ip: last.ip,
        last_used_client: last.client,
        last_used_application: last.application,
      });
      assert.deepEqual(errors, []);
    });

    it('writes a use at once when the minute since the last write has passed, with the uses counted in between', async () => {
      const id = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      await recorder.record(use(id, PLACES[0]!));
      clock.advance(30_000);
      await recorder.record(use(id, PLACES[0]!));
      assert.equal(transactions(), 1);
      clock.advance(30_000);
      await recorder.record(use(id, PLACES[0]!));
      assert.equal(transactions(), 2);
      const [row] = await connectionsOf(id);
      assert.equal(row?.count, 3);
      assert.equal(row?.last_seen, T0 + 60_000);
      assert.equal((await lastUse(id)).last_used_at, T0 + 60_000);
    });

    it('does not write when another node wrote the last use less than a minute ago', async () => {
      const id = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      await recorder.record(use(id, PLACES[1]!, T0 - 10_000));
      assert.equal(transactions(), 0);
      assert.deepEqual(await connectionsOf(id), []);
      // Once that write is a minute old, the next use is written with both uses counted.
      clock.advance(50_000);
      await recorder.record(use(id, PLACES[1]!, T0 - 10_000));
      assert.equal(transactions(), 1);
      assert.equal((await connectionsOf(id))[0]?.count, 2);
    });

    it('flushes only the passwords whose minute has passed', async () => {
      const early = await newAppPassword();
      const late = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      await recorder.record(use(early, PLACES[0]!)); // written at T0
      clock.advance(30_000);
      await recorder.record(use(late, PLACES[0]!)); // written at T0 + 30 s
      clock.advance(1_000);
      await recorder.record(use(early, PLACES[0]!));
      await recorder.record(use(late, PLACES[0]!));
      statements.length = 0;

      clock.current = T0 + 60_000;
      await recorder.flush();
      assert.equal(transactions(), 1);
      assert.equal((await connectionsOf(early))[0]?.count, 2);
      assert.equal((await connectionsOf(late))[0]?.count, 1);
    });

    it('writes everything pending on stop(), before the minute has passed', async () => {
      const a = await newAppPassword();
      const b = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      await recorder.record(use(a, PLACES[0]!));
      await recorder.record(use(b, PLACES[1]!));
      statements.length = 0;
      for (let i = 0; i < 100; i++) {
        clock.advance(100);
        await recorder.record(use(a, PLACES[i % 2]!));
        await recorder.record(use(b, PLACES[1]!));
      }
      // Uses of the primary password over Basic auth are counted too, without an app password.
      await recorder.record(use(null, PLACES[2]!, T0));
      assert.equal(transactions(), 0);

      await recorder.stop();
      assert.equal(transactions(), 3, 'one transaction per credential');
      assert.deepEqual(
        (await connectionsOf(a)).map((r) => [r.ip, r.count]),
        [
          [PLACES[0]!.ip, 51],
          [PLACES[1]!.ip, 50],
        ],
      );
      assert.deepEqual(
        (await connectionsOf(b)).map((r) => r.count),
        [101],
      );
      assert.equal((await lastUse(a)).last_used_at, T0 + 10_000);
      assert.equal((await lastUse(b)).last_used_at, T0 + 10_000);
      const primary = await db.selectFrom('connections').selectAll().where('method', '=', 'primary-password').execute();
      assert.equal(primary.length, 1);
      assert.equal(primary[0]?.credential, '');
      assert.equal(primary[0]?.count, 1);
      assert.equal(primary[0]?.user_id, userId);
    });

    // Cross-node coalescing and failures that must not fail a request.

    it("waits for the minute since another node's write: neither record() nor a flush 5 s later writes, a flush once that minute has passed does", async () => {
      const id = await newAppPassword();
      const clock = new ManualClock(T0);
      const recorder = newRecorder(clock);
      const otherNodeWroteAt = T0 - 10_000;
      await recorder.record(use(id, PLACES[0]!, otherNodeWroteAt));
      assert.equal(transactions(), 0);
      assert.equal(writes(), 0);

      clock.advance(5_000);
      await recorder.flush();
      assert.equal(transactions(), 0, 'a flush 5 s later must not write: the other node wrote 15 s ago');
      assert.equal(writes(), 0);
      assert.deepEqual(await connectionsOf(id), []);
      assert.equal((await lastUse(id)).last_used_at, null);

      clock.current = otherNodeWroteAt + USAGE_WRITE_INTERVAL_MS - 1;
      await recorder.flush();
      assert.equal(transactions(), 0, 'one millisecond before the minute, still nothing');

      clock.current = otherNodeWroteAt + USAGE_WRITE_INTERVAL_MS;
      await recorder.flush();
      assert.equal(transactions(), 1);
      assert.deepEqual(
        (await connectionsOf(id)).map((r) => [r.ip, r.count, r.first_seen]),
        [[PLACES[0]!.ip, 1, T0]],
      );
      assert.equal((await lastUse(id)).last_used_at, T0);
    });

    it('does not throw from record() when the write fails (the user was deleted meanwhile): onError gets the error and nothing is written', async () => {
      const id = await newAppPassword();
      const clock = new ManualClock(T0);
      const seen: unknown[] = [];
      const recorder = new UsageRecorder(db, clock, (error) => seen.push(error));
      // No such user: the connection row breaks its foreign key, so the write transaction fails.
      const orphan: CredentialUse = { ...use(id, PLACES[0]!), userId: crypto.randomUUID() };
      await assert.doesNotReject(recorder.record(orphan));
      assert.equal(seen.length, 1);
      assert.ok(seen[0] instanceof Error, String(seen[0]));
      assert.deepEqual(await connectionsOf(id), []);
      assert.equal((await lastUse(id)).last_used_at, null, 'the failed transaction was rolled back');
    });

    it('does not throw from record() on a destroyed database: onError gets the error', async () => {
      const closedDir = tempDir('sesame-usage-closed-');
      try {
        const closedUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
        const closed = await openDatabase({ databaseUrl: closedUrl, dataDir: closedDir });
        await closed.destroy();
        const seen: unknown[] = [];
        const recorder = new UsageRecorder(closed, new ManualClock(T0), (error) => seen.push(error));
        await assert.doesNotReject(recorder.record(use(crypto.randomUUID(), PLACES[0]!)));
        assert.equal(seen.length, 1);
        assert.ok(seen[0] instanceof Error, String(seen[0]));
      } finally {
        fs.rmSync(closedDir, { recursive: true, force: true });
      }
    });
  });
}
