/**
 * The `blob_checks` table: blobs that lost a reference (an overwrite, a
 * delete) and are due to be checked by the sweeper once a grace period has
 * passed. Claiming a due check deletes it, so of several sweepers on several
 * nodes exactly one gets each. Only this module holds the table's SQL.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database>;

/** Schedules a check of each key at `dueAt` (a later drop moves an earlier check to the later time). */
export async function scheduleChecks(db: Db, keys: readonly string[], dueAt: number): Promise<void> {
  // Sorted: concurrent writers then lock existing rows in one order.
  const sorted = [...new Set(keys)].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    await db
      .insertInto('blob_checks')
      .values(sorted.slice(i, i + 500).map((key) => ({ blob_key: key, due_at: dueAt })))
      .onConflict((oc) => oc.column('blob_key').doUpdateSet((eb) => ({ due_at: eb.ref('excluded.due_at') })))
      .execute();
  }
}

/** Keys whose check is due, at most `limit` (not yet claimed). */
export async function dueChecks(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('blob_checks').select('blob_key').where('due_at', '<=', now).limit(limit).execute();
  return rows.map((row) => row.blob_key);
}

/** Claims a due check: true for the one caller that deleted it. */
export async function claimCheck(db: Db, key: string, now: number): Promise<boolean> {
  const result = await db.deleteFrom('blob_checks').where('blob_key', '=', key).where('due_at', '<=', now).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
