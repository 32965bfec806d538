/**
 * The `node_locks` table: WebDAV locks on files and folders (RFC 4918 §6),
 * shared by every process and node. A lock belongs to its node: it follows
 * nothing on its own and goes when the node is deleted. Expired locks are
 * ignored by every read. Only this module holds the table's SQL; the rules
 * (which lock covers what) live in files/namespace.
 */
import type { Kysely } from 'kysely';
import type { Database, NodeLocksTable } from '../db/schema.js';

type Db = Kysely<Database>;

export interface NodeLock {
  token: string;
  nodeId: string;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  /** The client's `DAV:owner` element, as XML. */
  owner: string;
  timeoutSeconds: number;
  expiresAt: number;
}

function toLock(row: NodeLocksTable): NodeLock {
  return {
    token: row.token,
    nodeId: row.node_id,
    depth: row.depth,
    scope: row.scope,
    owner: row.owner,
    timeoutSeconds: row.timeout_seconds,
    expiresAt: Number(row.expires_at),
  };
}

/** The space's locks in force (few: one indexed range). */
export async function activeLocksOfSpace(db: Db, spaceId: string, now: number): Promise<NodeLock[]> {
  const rows = await db
    .selectFrom('node_locks')
    .selectAll()
    .where('space_id', '=', spaceId)
    .where('expires_at', '>', now)
    .execute();
  return rows.map(toLock);
}

export async function insertNodeLock(db: Db, spaceId: string, lock: NodeLock, now: number): Promise<void> {
  await db
    .insertInto('node_locks')
    .values({
      token: lock.token,
      space_id: spaceId,
      node_id: lock.nodeId,
      depth: lock.depth,
      scope: lock.scope,
      owner: lock.owner,
      timeout_seconds: lock.timeoutSeconds,
      expires_at: lock.expiresAt,
      created_at: now,
    })
    .execute();
}

/** Refreshes a lock in force; false if there is none with that token. */
export async function extendNodeLock(
  db: Db,
  spaceId: string,
  token: string,
  timeoutSeconds: number,
  expiresAt: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('node_locks')
    .set({ timeout_seconds: timeoutSeconds, expires_at: expiresAt })
    .where('space_id', '=', spaceId)
    .where('token', '=', token)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Removes locks by token (an UNLOCK, or the locks of a moved subtree), and the space's expired ones. */
export async function deleteNodeLocks(db: Db, spaceId: string, tokens: readonly string[], now: number): Promise<void> {
  await db
    .deleteFrom('node_locks')
    .where('space_id', '=', spaceId)
    .where((eb) => eb.or([...(tokens.length > 0 ? [eb('token', 'in', tokens)] : []), eb('expires_at', '<=', now)]))
    .execute();
}
