/**
 * The `recovery_codes` table: every statement on it. Rows hold keyed hashes
 * only; a code itself never reaches this module. Never decides anything.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';

/** Replaces every code of the user (used or not) with the given hashes. */
export async function replaceRecoveryCodeHashes(db: Db, userId: string, hashes: string[], now: number): Promise<void> {
  await deleteRecoveryCodesOfUser(db, userId);
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((hash) => ({ id: crypto.randomUUID(), user_id: userId, code_hash: hash, created_at: now, used_at: null })))
    .execute();
}

export async function deleteRecoveryCodesOfUser(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

/** Marks the code used, atomically across nodes; false when it is unknown or was already used. */
export async function useRecoveryCodeHash(db: Db, userId: string, hash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
