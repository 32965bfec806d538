/**
 * The `meta` table: facts about the installation itself (the server key's
 * fingerprint), one text value per key, written once.
 */
import type { Db } from '../db/database.js';

/** Stores the value unless the key already has one, and returns the value the key holds. */
export async function setMetaOnce(db: Db, key: string, value: string): Promise<string> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** Whether the key has a value. */
export async function hasMeta(db: Db, key: string): Promise<boolean> {
  return (await db.selectFrom('meta').select('key').where('key', '=', key).executeTakeFirst()) !== undefined;
}
