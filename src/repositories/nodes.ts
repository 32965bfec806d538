/**
 * The `nodes` table: the files and folders of every space, linked by parent
 * id. Paths are walked and ancestors found with recursive queries (the same
 * SQL on SQLite and PostgreSQL), so a rename or a move changes one row
 * whatever lies below, and a path costs one query whatever its depth. The
 * space's root row doubles as the space's write lock and usage counter.
 * Only this module holds the table's SQL; the rules live in files/namespace.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, NodeKind, NodesTable } from '../db/schema.js';

type Db = Kysely<Database>;

export interface FileNode {
  id: string;
  spaceId: string;
  parentId: string | null;
  name: string;
  kind: NodeKind;
  size: number;
  mtime: number;
  etag: string;
  sha1: string | null;
  sha256: string | null;
  blobKey: string | null;
  createdAt: number;
}

export function toNode(row: NodesTable): FileNode {
  return {
    id: row.id,
    spaceId: row.space_id,
    parentId: row.parent_id,
    name: row.name,
    kind: row.kind,
    size: Number(row.size),
    mtime: Number(row.mtime),
    etag: row.etag,
    sha1: row.sha1,
    sha256: row.sha256,
    blobKey: row.blob_key,
    createdAt: Number(row.created_at),
  };
}

export function toRow(node: FileNode): NodesTable {
  return {
    id: node.id,
    space_id: node.spaceId,
    parent_id: node.parentId,
    name: node.name,
    kind: node.kind,
    size: node.size,
    mtime: node.mtime,
    etag: node.etag,
    sha1: node.sha1,
    sha256: node.sha256,
    blob_key: node.blobKey,
    created_at: node.createdAt,
  };
}

/** Rows per INSERT when many nodes are written at once (a copied folder). */
const INSERT_BATCH = 200;

export async function insertNodes(db: Db, nodes: readonly FileNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += INSERT_BATCH) {
    await db
      .insertInto('nodes')
      .values(nodes.slice(i, i + INSERT_BATCH).map(toRow))
      .execute();
  }
}

/** Creates the space's root unless it exists (concurrent first requests agree on one). */
export async function insertRootUnlessPresent(db: Db, root: FileNode): Promise<void> {
  await db
    .insertInto('nodes')
    .values(toRow(root))
    .onConflict((oc) => oc.column('space_id').where('parent_id', 'is', null).doNothing())
    .execute();
}

export async function rootOf(db: Db, spaceId: string): Promise<FileNode | null> {
  const row = await db
    .selectFrom('nodes')
    .selectAll()
    .where('space_id', '=', spaceId)
    .where('parent_id', 'is', null)
    .executeTakeFirst();
  return row ? toNode(row) : null;
}

/**
 * Takes the space's write lock: a self-update of its root row (a row lock
 * on PostgreSQL, the write lock on SQLite), returning the root as it is
 * now. Every write in a space takes it first, so writes in one space
 * follow one another and lock other rows only while holding it.
 */
export async function lockSpace(db: Db, spaceId: string): Promise<FileNode | null> {
  const row = await db
    .updateTable('nodes')
    .set({ etag: sql<string>`etag` })
    .where('space_id', '=', spaceId)
    .where('parent_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toNode(row) : null;
}

export async function nodeById(db: Db, id: string): Promise<FileNode | null> {
  const row = await db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toNode(row) : null;
}

/**
 * The nodes along `names` from the space's root: the root first, then one node per
 * name as far as the path exists (a shorter list: the path ends in a name
 * that is not there, or passes through a file).
 */
export async function walkPath(db: Db, spaceId: string, names: readonly string[]): Promise<FileNode[]> {
  if (names.length === 0) {
    const root = await rootOf(db, spaceId);
    return root ? [root] : [];
  }
  const segments = sql.join(names.map((name, i) => sql`(${sql.lit(i + 1)}, ${name})`));
  const { rows } = await sql<NodesTable & { depth: number }>`
    with recursive segments(depth, name) as (values ${segments}),
    walk(depth, id) as (
      select 0, id from nodes where space_id = ${spaceId} and parent_id is null
      union all
      select walk.depth + 1, nodes.id
      from walk
      join segments on segments.depth = walk.depth + 1
      join nodes on nodes.parent_id = walk.id and nodes.name = segments.name
    )
    select nodes.*, walk.depth as depth from walk join nodes on nodes.id = walk.id order by walk.depth`.execute(db);
  return rows.map(toNode);
}

/** The node and its ancestors, root first. */
export async function chainOf(db: Db, id: string): Promise<FileNode[]> {
  const { rows } = await sql<NodesTable & { depth: number }>`
    with recursive up(id, parent_id, depth) as (
      select id, parent_id, 0 from nodes where id = ${id}
      union all
      select nodes.id, nodes.parent_id, up.depth + 1 from nodes join up on nodes.id = up.parent_id
    )
    select nodes.*, up.depth as depth from up join nodes on nodes.id = up.id order by up.depth desc`.execute(db);
  return rows.map(toNode);
}

/** For each of `ids`, the ids of its ancestors (and itself): one query for all. */
export async function ancestorIdsOf(db: Db, ids: readonly string[]): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  if (ids.length === 0) return result;
  const { rows } = await sql<{ start: string; id: string }>`
    with recursive up(start, id, parent_id) as (
      select id, id, parent_id from nodes where id in (${sql.join(ids)})
      union all
      select up.start, nodes.id, nodes.parent_id from nodes join up on nodes.id = up.parent_id
    )
    select start, id from up`.execute(db);
  for (const row of rows) result.get(row.start)?.add(row.id);
  return result;
}

/** A folder's entries, by name (one range of the (parent_id, name) index). */
export async function childrenOf(db: Db, folderId: string): Promise<FileNode[]> {
  const rows = await db.selectFrom('nodes').selectAll().where('parent_id', '=', folderId).orderBy('name').execute();
  return rows.map(toNode);
}

export async function childByName(db: Db, folderId: string, name: string): Promise<FileNode | null> {
  const row = await db
    .selectFrom('nodes')
    .selectAll()
    .where('parent_id', '=', folderId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? toNode(row) : null;
}

const subtreeIds = (id: string) => sql`
  with recursive below(id) as (
    select id from nodes where id = ${id}
    union all
    select nodes.id from nodes join below on nodes.parent_id = below.id
  )`;

/** The node and everything below it, each parent before its children. */
export async function subtreeOf(db: Db, id: string): Promise<FileNode[]> {
  const { rows } = await sql<NodesTable & { depth: number }>`
    with recursive below(id, depth) as (
      select id, 0 from nodes where id = ${id}
      union all
      select nodes.id, below.depth + 1 from nodes join below on nodes.parent_id = below.id
    )
    select nodes.*, below.depth as depth from below join nodes on nodes.id = below.id order by below.depth`.execute(db);
  return rows.map(toNode);
}

/** The blobs that files at or below the node point at. */
export async function blobKeysBelow(db: Db, id: string): Promise<string[]> {
  const { rows } = await sql<{ blob_key: string }>`
    ${subtreeIds(id)}
    select distinct nodes.blob_key as blob_key from nodes join below on nodes.id = below.id
    where nodes.blob_key is not null`.execute(db);
  return rows.map((row) => row.blob_key);
}

/** Deletes the node and everything below it (their properties and locks go with them). */
export async function deleteSubtree(db: Db, id: string): Promise<void> {
  await sql`
    ${subtreeIds(id)}
    delete from nodes where id in (select id from below)`.execute(db);
}

/** Adds `delta` to the size of each of `ids` and gives them `etag`; `touched` also get `mtime`. */
export async function propagate(
  db: Db,
  ids: readonly string[],
  change: { delta: number; etag: string; touched: readonly string[]; mtime: number },
): Promise<void> {
  if (ids.length === 0) return;
  const touched = change.touched.length > 0 ? change.touched : [''];
  await db
    .updateTable('nodes')
    .set({
      size: sql<number>`size + ${change.delta}`,
      etag: change.etag,
      mtime: sql<number>`case when id in (${sql.join(touched)}) then ${change.mtime} else mtime end`,
    })
    .where('id', 'in', ids)
    .execute();
}

/** Points a file at new content. */
export async function setContent(
  db: Db,
  id: string,
  content: Pick<FileNode, 'size' | 'sha1' | 'sha256' | 'blobKey' | 'etag' | 'mtime'>,
): Promise<void> {
  await db
    .updateTable('nodes')
    .set({
      size: content.size,
      sha1: content.sha1,
      sha256: content.sha256,
      blob_key: content.blobKey,
      etag: content.etag,
      mtime: content.mtime,
    })
    .where('id', '=', id)
    .execute();
}

export async function relink(db: Db, id: string, parentId: string, name: string): Promise<void> {
  await db.updateTable('nodes').set({ parent_id: parentId, name }).where('id', '=', id).execute();
}

export async function setMtime(db: Db, id: string, mtime: number): Promise<void> {
  await db.updateTable('nodes').set({ mtime }).where('id', '=', id).execute();
}
