/**
 * SQL over path keys of a user's space (`/a/b`, `/` the root), shared by
 * the tables keyed by them (dav_locks, dav_properties, file_ids): "this
 * path or below it", portable (no LIKE, so `%` and `_` in names need no
 * escaping), and the key of a moved subtree.
 */
import { sql, type Expression, type SqlBool } from 'kysely';

/** The key of `key` once its prefix `from` is replaced by `to` (a moved subtree). */
export function rebase(key: string, from: string, to: string): string {
  return key === from ? to : `${to === '/' ? '' : to}${key.slice(from === '/' ? 0 : from.length)}`;
}

/** `column` is `key` or lies below it. */
export function inSubtree(column: string, key: string): Expression<SqlBool> {
  if (key === '/') return sql<SqlBool>`1 = 1`;
  const prefix = `${key}/`;
  return sql<SqlBool>`(${sql.ref(column)} = ${key} or substr(${sql.ref(column)}, 1, ${[...prefix].length}) = ${prefix})`;
}
