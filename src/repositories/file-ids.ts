/**
 * The `file_ids` table: one stable id per path of a user's space, assigned
 * on first request and carried along by moves, kept by overwrites, dropped
 * by deletes. The sync surface publishes it as `oc:fileid`. Only this module
 * holds the table's SQL.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { inSubtree, rebase } from './space-subtree.js';

type Db = Kysely<Database>;

/** The id of `path`, created if it has none (concurrent first requests agree on one). */
export async function fileIdOf(db: Db, userId: string, path: string): Promise<string> {
  await db
    .insertInto('file_ids')
    .values({ user_id: userId, path, id: crypto.randomUUID() })
    .onConflict((oc) => oc.columns(['user_id', 'path']).doNothing())
    .execute();
  const row = await db
    .selectFrom('file_ids')
    .select('id')
    .where('user_id', '=', userId)
    .where('path', '=', path)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Ids already assigned at `path` and directly below it (one query for a listing). */
export async function fileIdsUnder(db: Db, userId: string, path: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('file_ids')
    .select(['path', 'id'])
    .where('user_id', '=', userId)
    .where(inSubtree('path', path))
    .execute();
  return new Map(rows.map((row) => [row.path, row.id]));
}

export async function moveFileIds(db: Db, userId: string, from: string, to: string): Promise<void> {
  await forgetFileIds(db, userId, to);
  const rows = await db
    .selectFrom('file_ids')
    .select('path')
    .where('user_id', '=', userId)
    .where(inSubtree('path', from))
    .execute();
  for (const row of rows) {
    await db
      .updateTable('file_ids')
      .set({ path: rebase(row.path, from, to) })
      .where('user_id', '=', userId)
      .where('path', '=', row.path)
      .execute();
  }
}

export async function forgetFileIds(db: Db, userId: string, path: string): Promise<void> {
  await db.deleteFrom('file_ids').where('user_id', '=', userId).where(inSubtree('path', path)).execute();
}
