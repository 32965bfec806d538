/**
 * The `node_properties` table: dead properties (WebDAV PROPPATCH) of files
 * and folders, keyed by node, so a rename or a move keeps them without a
 * write, and a delete drops them with the node. Only this module holds the
 * table's SQL.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database>;

export interface DeadProperty {
  namespace: string;
  name: string;
  /** XML content of the element. */
  value: string;
}

export type PropertyChange = { kind: 'set'; property: DeadProperty } | { kind: 'remove'; namespace: string; name: string };

/** Applies the changes in order (the caller's transaction makes them all or nothing). */
export async function changeNodeProperties(db: Db, nodeId: string, changes: readonly PropertyChange[]): Promise<void> {
  for (const change of changes) {
    if (change.kind === 'set') {
      const { namespace, name, value } = change.property;
      await db
        .insertInto('node_properties')
        .values({ node_id: nodeId, namespace, name, value })
        .onConflict((oc) => oc.columns(['node_id', 'namespace', 'name']).doUpdateSet({ value }))
        .execute();
    } else {
      await db
        .deleteFrom('node_properties')
        .where('node_id', '=', nodeId)
        .where('namespace', '=', change.namespace)
        .where('name', '=', change.name)
        .execute();
    }
  }
}

/** Dead properties of the given nodes, by node id (one query). */
export async function propertiesOfNodes(db: Db, nodeIds: readonly string[]): Promise<Map<string, DeadProperty[]>> {
  const byNode = new Map<string, DeadProperty[]>();
  if (nodeIds.length === 0) return byNode;
  const rows = await db
    .selectFrom('node_properties')
    .select(['node_id', 'namespace', 'name', 'value'])
    .where('node_id', 'in', nodeIds)
    .execute();
  for (const { node_id: id, ...property } of rows) {
    const list = byNode.get(id);
    if (list) list.push(property);
    else byNode.set(id, [property]);
  }
  return byNode;
}

/** Dead properties of a folder's entries (one query over the folder's index range). */
export async function propertiesOfChildren(db: Db, folderId: string): Promise<Map<string, DeadProperty[]>> {
  const rows = await db
    .selectFrom('node_properties')
    .innerJoin('nodes', 'nodes.id', 'node_properties.node_id')
    .select(['node_properties.node_id', 'node_properties.namespace', 'node_properties.name', 'node_properties.value'])
    .where('nodes.parent_id', '=', folderId)
    .execute();
  const byNode = new Map<string, DeadProperty[]>();
  for (const { node_id: id, ...property } of rows) {
    const list = byNode.get(id);
    if (list) list.push(property);
    else byNode.set(id, [property]);
  }
  return byNode;
}

/** Gives copies the properties of their originals: `pairs` maps an original's id to its copy's. */
export async function copyNodeProperties(db: Db, pairs: ReadonlyMap<string, string>): Promise<void> {
  const originals = [...pairs.keys()];
  for (let i = 0; i < originals.length; i += 500) {
    const rows = await db
      .selectFrom('node_properties')
      .selectAll()
      .where('node_id', 'in', originals.slice(i, i + 500))
      .execute();
    for (let j = 0; j < rows.length; j += 200) {
      await db
        .insertInto('node_properties')
        .values(rows.slice(j, j + 200).map((row) => ({ ...row, node_id: pairs.get(row.node_id)! })))
        .execute();
    }
  }
}
