/**
 * Set-up for namespace and sweeper tests: a migrated database of either
 * dialect (a fresh SQLite file, or a fresh database on the run's
 * PostgreSQL), a space owner, a blob store that counts its calls, and the
 * namespace's invariants checked from the rows themselves.
 */
import crypto from 'node:crypto';
import type { LogEvent } from 'kysely';
import type { Readable } from 'node:stream';
import { openDatabase, type Db } from '../../src/db/database.js';
import type { Clock } from '../../src/context.js';
import type { BlobStore } from '../../src/files/blobs/blob-store.js';
import { Namespace, type NamespaceOptions } from '../../src/files/namespace/namespace.js';
import { createPostgresDatabase, tempDir, type DialectName } from './server.js';

export interface TestDatabase {
  db: Db;
  /** Opens another handle on the same database (a second process or node). */
  another(onQuery?: (event: LogEvent) => void): Promise<Db>;
}

export async function openTestDatabase(dialect: DialectName, onQuery?: (event: LogEvent) => void): Promise<TestDatabase> {
  const dataDir = tempDir();
  const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  const open = (observe?: (event: LogEvent) => void) =>
    openDatabase({ databaseUrl, dataDir, ...(observe ? { onQuery: observe } : {}) });
  return { db: await open(onQuery), another: open };
}

/** A user row to own a space (the namespace needs nothing else of it). */
export async function addSpaceOwner(db: Db): Promise<string> {
  const id = crypto.randomUUID();
  await db
    .insertInto('users')
    .values({
      id,
      username: `u${id.slice(0, 8)}`,
      username_key: `u${id.slice(0, 8)}`,
      role: 'user',
      auth_source: 'local',
      password_hash: null,
      totp_secret: null,
      totp_last_step: null,
      totp_pending_secret: null,
      disabled_at: null,
      password_changed_at: null,
      created_at: Date.now(),
    })
    .execute();
  return id;
}

export type BlobOperation = 'put' | 'get' | 'delete' | 'copy' | 'list' | 'multipart';

/** Wraps a store and counts each kind of call made to it. */
export function countingStore(store: BlobStore): BlobStore & { calls: Record<BlobOperation, number>; total(): number } {
  const calls: Record<BlobOperation, number> = { put: 0, get: 0, delete: 0, copy: 0, list: 0, multipart: 0 };
  return {
    calls,
    total: () => Object.values(calls).reduce((a, b) => a + b, 0),
    get description() {
      return store.description;
    },
    put: (key: string, body: Readable, options) => (calls.put++, store.put(key, body, options)),
    get: (key, range) => (calls.get++, store.get(key, range)),
    delete: (key) => (calls.delete++, store.delete(key)),
    copy: (from, to) => (calls.copy++, store.copy(from, to)),
    list: () => (calls.list++, store.list()),
    removeAbandonedWrites: (before) => store.removeAbandonedWrites(before),
    startMultipart: (key) => (calls.multipart++, store.startMultipart(key)),
    putPart: (key, id, n, body, size) => (calls.multipart++, store.putPart(key, id, n, body, size)),
    completeMultipart: (key, id, parts) => (calls.multipart++, store.completeMultipart(key, id, parts)),
    abortMultipart: (key, id) => (calls.multipart++, store.abortMultipart(key, id)),
    close: () => store.close(),
  };
}

export function newNamespace(db: Db, blobs: BlobStore, clock: Clock, options: Partial<NamespaceOptions> = {}): Namespace {
  return new Namespace({ db, blobs, clock }, options);
}

/**
 * Checks from the rows alone that every folder's size is the total of its
 * files, that names are unique per folder, that every file's blob is
 * recorded as stored, and returns the space's usage (the root's size).
 */
export async function checkSpaceInvariants(db: Db, spaceId: string): Promise<number> {
  const rows = await db.selectFrom('nodes').selectAll().where('space_id', '=', spaceId).execute();
  const children = new Map<string | null, typeof rows>();
  for (const row of rows) children.set(row.parent_id, [...(children.get(row.parent_id) ?? []), row]);
  const roots = children.get(null) ?? [];
  if (roots.length !== 1) throw new Error(`space ${spaceId} has ${roots.length} roots`);
  const total = (row: (typeof rows)[number]): number => {
    if (row.kind === 'file') return Number(row.size);
    const entries = children.get(row.id) ?? [];
    if (new Set(entries.map((entry) => entry.name)).size !== entries.length) throw new Error(`duplicate names in ${row.id}`);
    const sum = entries.reduce((acc, entry) => acc + total(entry), 0);
    if (Number(row.size) !== sum) throw new Error(`folder "${row.name}" has size ${row.size}, its files ${sum}`);
    return sum;
  };
  const usage = total(roots[0]!);
  const keys = [...new Set(rows.flatMap((row) => (row.blob_key ? [row.blob_key] : [])))];
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const stored = await db.selectFrom('blobs').select('key').where('key', 'in', batch).where('state', '=', 'stored').execute();
    if (stored.length !== batch.length) throw new Error('a file points at a blob that is not stored');
  }
  return usage;
}
