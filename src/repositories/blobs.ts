/**
 * The `blobs` table: every blob of the blob store, recorded before its first
 * byte is written (state `writing`, with a lease the writer renews) and
 * marked `stored` by the transaction that first points a file at it. A row
 * is deleted only when nothing can point at the blob any more, and before
 * the bytes are removed, so a node never points at a blob without a row
 * (the foreign key from nodes makes sure of it). Only this module holds the
 * table's SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database>;

export async function insertWritingBlob(db: Db, key: string, now: number, leaseUntil: number): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ key, state: 'writing', size: null, sha1: null, sha256: null, lease_until: leaseUntil, created_at: now })
    .execute();
}

/** Extends a writing blob's lease; false if the blob is no longer being written (the sweeper took it). */
export async function renewLease(db: Db, key: string, leaseUntil: number): Promise<boolean> {
  const result = await db
    .updateTable('blobs')
    .set({ lease_until: leaseUntil })
    .where('key', '=', key)
    .where('state', '=', 'writing')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks a written blob stored, with its size and checksums; false if the sweeper took it meanwhile. */
export async function markStored(db: Db, blob: { key: string; size: number; sha1: string; sha256: string }): Promise<boolean> {
  const result = await db
    .updateTable('blobs')
    .set({ state: 'stored', size: blob.size, sha1: blob.sha1, sha256: blob.sha256, lease_until: null })
    .where('key', '=', blob.key)
    .where('state', '=', 'writing')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Takes a writing blob away from its writer (a failed or abandoned write); true for the one caller that took it. */
export async function takeWritingBlob(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('blobs').where('key', '=', key).where('state', '=', 'writing').executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Writing blobs whose lease ended before `now` (their writer crashed or hangs), at most `limit`. */
export async function abandonedBlobs(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('blobs')
    .select('key')
    .where('state', '=', 'writing')
    .where('lease_until', '<', now)
    .limit(limit)
    .execute();
  return rows.map((row) => row.key);
}

/**
 * Deletes the row of a stored blob that no node points at; true if this
 * caller deleted it (it may then remove the bytes). A node pointing at it
 * meanwhile, even one not yet committed, makes the foreign key refuse.
 */
export async function deleteIfUnreferenced(db: Db, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('blobs')
    .where('key', '=', key)
    .where('state', '=', 'stored')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('nodes').select(sql.lit(1).as('one')).where('blob_key', '=', key))),
    )
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Which of `keys` have a row (the rest, if in the store, are orphans). */
export async function knownBlobKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.selectFrom('blobs').select('key').where('key', 'in', keys).execute();
  return new Set(rows.map((row) => row.key));
}

/** Stored blobs no node points at (for `files check`), at most `limit`. */
export async function unreferencedBlobs(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('blobs')
    .select('key')
    .where('state', '=', 'stored')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('nodes').select(sql.lit(1).as('one')).whereRef('nodes.blob_key', '=', 'blobs.key'))),
    )
    .limit(limit)
    .execute();
  return rows.map((row) => row.key);
}
