/**
 * The `dav_locks` table: active WebDAV locks, shared by every process and
 * node. Expired locks are ignored by every read and pruned on the way.
 * Only this module holds the table's SQL; conflict rules live in locks.ts.
 */
import type { Kysely } from 'kysely';
import type { Database, DavLocksTable } from '../db/schema.js';
import { inSubtree } from './space-subtree.js';

type Db = Kysely<Database>;

export interface DavLock {
  token: string;
  path: string;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  owner: string;
  timeoutSeconds: number;
  expiresAt: number;
}

function toLock(row: DavLocksTable): DavLock {
  return {
    token: row.token,
    path: row.path,
    depth: row.depth,
    scope: row.scope,
    owner: row.owner,
    timeoutSeconds: row.timeout_seconds,
    expiresAt: row.expires_at,
  };
}

function ancestorsOf(key: string): string[] {
  const result = ['/'];
  const parts = key.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) result.push(`/${parts.slice(0, i).join('/')}`);
  return key === '/' ? [] : result;
}

/**
 * Locks that cover `key` (on it, or on an ancestor with depth infinity) and,
 * with `descendants`, locks on anything below it.
 */
export async function locksAffecting(db: Db, userId: string, key: string, now: number, descendants: boolean): Promise<DavLock[]> {
  const ancestors = ancestorsOf(key);
  const rows = await db
    .selectFrom('dav_locks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .where((eb) =>
      eb.or([
        descendants ? inSubtree('path', key) : eb('path', '=', key),
        ...(ancestors.length > 0 ? [eb.and([eb('path', 'in', ancestors), eb('depth', '=', 'infinity')])] : []),
      ]),
    )
    .execute();
  return rows.map(toLock);
}

export async function activeLocks(db: Db, userId: string, now: number): Promise<DavLock[]> {
  const rows = await db.selectFrom('dav_locks').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).execute();
  return rows.map(toLock);
}

/** Active locks a user holds. */
export async function countActiveLocks(db: Db, userId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('dav_locks')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Drops a user's expired locks. */
export async function deleteExpiredLocks(db: Db, userId: string, now: number): Promise<void> {
  await db.deleteFrom('dav_locks').where('user_id', '=', userId).where('expires_at', '<=', now).execute();
}

export async function insertLock(db: Db, userId: string, lock: DavLock, now: number): Promise<void> {
  await db
    .insertInto('dav_locks')
    .values({
      token: lock.token,
      user_id: userId,
      path: lock.path,
      depth: lock.depth,
      scope: lock.scope,
      owner: lock.owner,
      timeout_seconds: lock.timeoutSeconds,
      expires_at: lock.expiresAt,
      created_at: now,
    })
    .execute();
}

export async function extendLock(
  db: Db,
  userId: string,
  token: string,
  timeoutSeconds: number,
  expiresAt: number,
): Promise<void> {
  await db
    .updateTable('dav_locks')
    .set({ timeout_seconds: timeoutSeconds, expires_at: expiresAt })
    .where('user_id', '=', userId)
    .where('token', '=', token)
    .execute();
}

export async function deleteLock(db: Db, userId: string, token: string): Promise<void> {
  await db.deleteFrom('dav_locks').where('user_id', '=', userId).where('token', '=', token).execute();
}

/** Drops the locks of removed resources (and expired ones of the user). */
export async function deleteLocksUnder(db: Db, userId: string, key: string, now: number): Promise<void> {
  await db
    .deleteFrom('dav_locks')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([inSubtree('path', key), eb('expires_at', '<=', now)]))
    .execute();
}
