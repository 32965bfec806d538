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

/** The read not yet started, per database, that every caller until it starts shares. */
const nextRead = new WeakMap<Db, Promise<number>>();

/**
 * The current auth-state version, as committed. The callers of one turn of
 * the event loop share one prepared single-value read, which starts (at
 * `setImmediate`) after every one of them asked: each still sees every write
 * committed before it asked — the same guarantee as a read of its own — and
 * concurrent requests pay for one read between them. A caller that asks
 * once the read has started waits for the next one.
 */
export function readAuthStateVersion(db: Db): Promise<number> {
  let read = nextRead.get(db);
  if (read === undefined) {
    read = new Promise((started) => setImmediate(started))
      .then(() => {
        nextRead.delete(db);
        return versionStatement(db, {});
      })
      .then(Number);
    nextRead.set(db, read);
  }
  return read;
}
