/**
 * The `throttle` table: counters keyed by `ip:…`, `ip-user:…` or
 * `account:…`, each changed by one atomic statement so that every node
 * counts into the same row. The rules (how many, how long) are in
 * throttle/throttle.ts; this module only reads and writes counters.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface Counter {
  failures: number;
  blockedUntil: number;
  lastFailureAt: number;
}

/** The counter values a throttle decision reads (absent counters are zero); the hot path reads them with the password. */
export interface ThrottleReading {
  ipBlockedUntil: number;
  ipUserFailures: number;
  ipUserBlockedUntil: number;
  accountFailures: number;
}

export async function readCounters(db: Db, keys: string[]): Promise<Map<string, Counter>> {
  const rows = await db.selectFrom('throttle').selectAll().where('key', 'in', keys).execute();
  return new Map(
    rows.map((row) => [
      row.key,
      { failures: Number(row.failures), blockedUntil: Number(row.blocked_until), lastFailureAt: Number(row.last_failure_at) },
    ]),
  );
}

/** Adds one to a key's counter atomically, restarting it when its last failure is older than `windowStart`. */
export async function incrementCounter(
  db: Db,
  key: string,
  now: number,
  windowStart: number,
): Promise<{ failures: number; blockedUntil: number }> {
  const row = await db
    .insertInto('throttle')
    .values({ key, failures: 1, blocked_until: 0, last_failure_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`CASE WHEN throttle.last_failure_at < ${windowStart} THEN 1 ELSE throttle.failures + 1 END`,
        last_failure_at: now,
      }),
    )
    .returning(['failures', 'blocked_until'])
    .executeTakeFirstOrThrow();
  return { failures: Number(row.failures), blockedUntil: Number(row.blocked_until) };
}

/** Extends a key's block to `until`, never shortening a longer one set concurrently. */
export async function extendBlock(db: Db, key: string, until: number): Promise<void> {
  await db
    .updateTable('throttle')
    .set({ blocked_until: sql<number>`CASE WHEN blocked_until > ${until} THEN blocked_until ELSE ${until} END` })
    .where('key', '=', key)
    .execute();
}

/** Sets the block only if none is running: true for the one request (of any node) that set it. */
export async function blockIfFree(db: Db, key: string, until: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('throttle')
    .set({ blocked_until: until })
    .where('key', '=', key)
    .where('blocked_until', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Takes one failure back; restores the block it set (`grabbed`) unless another request changed it since. */
export async function decrementCounter(db: Db, key: string, grabbed: { until: number; before: number } | null): Promise<void> {
  await db
    .updateTable('throttle')
    .set({
      failures: sql<number>`CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END`,
      ...(grabbed
        ? { blocked_until: sql<number>`CASE WHEN blocked_until = ${grabbed.until} THEN ${grabbed.before} ELSE blocked_until END` }
        : {}),
    })
    .where('key', '=', key)
    .execute();
}

export async function deleteCounters(db: Db, keys: string[]): Promise<void> {
  if (keys.length > 0) await db.deleteFrom('throttle').where('key', 'in', keys).execute();
}

/** Deletes address counters quiet since `quietSince` with no block running; account counters are kept. */
export async function deleteQuietAddressCounters(db: Db, quietSince: number, now: number): Promise<number> {
  const result = await db
    .deleteFrom('throttle')
    .where('key', 'not like', 'account:%')
    .where('last_failure_at', '<', quietSince)
    .where('blocked_until', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
