/**
 * How a path in a user's space is written in the database: `/a/b`, and `/`
 * for the root. The SQL over such keys is in repositories/space-subtree.ts.
 */
import type { StorePath } from './file-store.js';

export function pathKey(segments: StorePath): string {
  return `/${segments.join('/')}`;
}

export function segmentsOf(key: string): string[] {
  return key === '/' ? [] : key.slice(1).split('/');
}
