/**
 * The `dav_properties` table: dead properties set by PROPPATCH, keyed by
 * user, path, namespace and name, with their XML content. Moves and copies
 * carry them along; deletes drop them. Only this module holds the table's SQL.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { inSubtree, rebase } from './space-subtree.js';

type Db = Kysely<Database>;

export interface DeadProperty {
  namespace: string;
  name: string;
  /** XML content of the element. */
  value: string;
}

export type PropertyChange = { kind: 'set'; property: DeadProperty } | { kind: 'remove'; namespace: string; name: string };

/** Applies every change in order; the caller runs it in a transaction, so that all or nothing is applied. */
export async function changeProperties(db: Db, userId: string, path: string, changes: PropertyChange[]): Promise<void> {
  for (const change of changes) {
    if (change.kind === 'set') {
      const { namespace, name, value } = change.property;
      await db
        .insertInto('dav_properties')
        .values({ user_id: userId, path, namespace, name, value })
        .onConflict((oc) => oc.columns(['user_id', 'path', 'namespace', 'name']).doUpdateSet({ value }))
        .execute();
    } else {
      await db
        .deleteFrom('dav_properties')
        .where('user_id', '=', userId)
        .where('path', '=', path)
        .where('namespace', '=', change.namespace)
        .where('name', '=', change.name)
        .execute();
    }
  }
}

/** Dead properties of `path` alone. */
export async function propertiesOf(db: Db, userId: string, path: string): Promise<DeadProperty[]> {
  return db
    .selectFrom('dav_properties')
    .select(['namespace', 'name', 'value'])
    .where('user_id', '=', userId)
    .where('path', '=', path)
    .execute();
}

/** Dead properties of `path` and everything below it, by path. */
export async function propertiesUnder(db: Db, userId: string, path: string): Promise<Map<string, DeadProperty[]>> {
  const rows = await db
    .selectFrom('dav_properties')
    .select(['path', 'namespace', 'name', 'value'])
    .where('user_id', '=', userId)
    .where(inSubtree('path', path))
    .execute();
  const byPath = new Map<string, DeadProperty[]>();
  for (const { path: key, ...property } of rows) {
    const list = byPath.get(key);
    if (list) list.push(property);
    else byPath.set(key, [property]);
  }
  return byPath;
}

/**
 * Gives `to` the properties of `from` (replacing its own), keeping or
 * dropping the source's: the whole subtree, or the resource alone (a folder
 * copied or moved member by member).
 */
export async function transferProperties(
  db: Db,
  userId: string,
  from: string,
  to: string,
  keepSource: boolean,
  scope: 'subtree' | 'resource' = 'subtree',
): Promise<void> {
  const at = (key: string) => (scope === 'subtree' ? inSubtree('path', key) : sql<SqlBool>`path = ${key}`);
  await db.transaction().execute(async (trx) => {
    // `from` and `to` never overlap (COPY and MOVE refuse a Destination inside or above the source).
    await trx.deleteFrom('dav_properties').where('user_id', '=', userId).where(at(to)).execute();
    const rows = await trx.selectFrom('dav_properties').selectAll().where('user_id', '=', userId).where(at(from)).execute();
    if (!keepSource) await trx.deleteFrom('dav_properties').where('user_id', '=', userId).where(at(from)).execute();
    if (rows.length > 0) {
      await trx
        .insertInto('dav_properties')
        .values(rows.map((row) => ({ ...row, path: rebase(row.path, from, to) })))
        .execute();
    }
  });
}

/**
 * What the dead properties of a user take (characters of namespace, name
 * and value), at `path` and below it or in the whole space: they count in
 * the space's usage.
 */
export async function propertyCharacters(db: Db, userId: string, path: string = '/'): Promise<number> {
  let query = db
    .selectFrom('dav_properties')
    .select(sql<number | string>`coalesce(sum(length(namespace) + length(name) + length(value)), 0)`.as('total'))
    .where('user_id', '=', userId);
  if (path !== '/') query = query.where(inSubtree('path', path));
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.total);
}

export async function forgetProperties(db: Db, userId: string, path: string): Promise<void> {
  await db.deleteFrom('dav_properties').where('user_id', '=', userId).where(inSubtree('path', path)).execute();
}
