/**
 * How a path in a user's space is written in the database (`/a/b`, `/` for
 * the root), and the SQL condition "this path or below it" used by every
 * table keyed by such paths. Portable: no LIKE, so `%` and `_` in names
 * need no escaping.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { StorePath } from './file-store.js';

export function pathKey(segments: StorePath): string {
  return `/${segments.join('/')}`;
}

export function segmentsOf(key: string): string[] {
  return key === '/' ? [] : key.slice(1).split('/');
}

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
