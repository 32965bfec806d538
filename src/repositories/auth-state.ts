/**
 * The `auth_state` table: its one version counter, read on every request
 * that reuses a verified credential. Only database triggers write it
 * (db/auth-state-version.ts); this module never does.
 */
import type { Db } from '../db/database.js';
import { preparedValue } from '../db/prepared.js';

const versionStatement = preparedValue([], (db) =>
  db
    .selectFrom('auth_state')
    .select('version')
    .where('id', '=', (eb) => eb.lit(1)),
);

/** The current auth-state version, as committed: one prepared single-value read. */
export async function readAuthStateVersion(db: Db): Promise<number> {
  return Number(await versionStatement(db, {}));
}
