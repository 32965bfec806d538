/**
 * The storage quota of a user's space (admin policy `storageQuotaBytes`,
 * 0 = unlimited). A space's usage is its files and its dead properties.
 * Checked before a write starts, from the announced size (Content-Length,
 * or macOS Finder's X-Expected-Entity-Length with chunked bodies), and
 * enforced while the bytes arrive when no size is announced; then checked
 * again when the complete content is put in place, under the user's row
 * lock (one at a time per space, on every process and node), so that
 * uploads or copies that each fitted when they started cannot together
 * overshoot. A COPY checks the size of what it copies
 * (webdav/member-transfer.ts).
 */
import { SesameError } from '../errors.js';
import { getPolicy } from '../policy/policy.js';
import type { Db } from '../db/database.js';
import type { Commit, FileStat, FileStore, StorePath } from '../files/file-store.js';
import { propertyCharacters } from '../repositories/dav-properties.js';
import { lockUser } from '../repositories/users.js';
import { headerOf, type DavRequest } from './dav-request.js';

function announcedSize(dav: DavRequest): number | null {
  for (const name of ['content-length', 'x-expected-entity-length']) {
    const value = headerOf(dav, name);
    if (value !== undefined && /^\d{1,16}$/.test(value)) return Number(value);
  }
  return null;
}

function overQuota(what: string): SesameError {
  return new SesameError('DAV_INSUFFICIENT_STORAGE', `This ${what} would exceed your storage quota.`);
}

/** What a space takes: its files' bytes and its dead properties. */
async function spaceUsage(store: FileStore, db: Db, userId: string): Promise<number> {
  return (await store.spaceUsed()) + (await propertyCharacters(db, userId));
}

/** Bytes the space may still take (negative: over its quota), or null without a quota. */
export async function freeBytes(dav: DavRequest): Promise<number | null> {
  const { storageQuotaBytes } = await getPolicy(dav.services.db);
  return storageQuotaBytes === 0 ? null : storageQuotaBytes - (await spaceUsage(dav.store, dav.services.db, dav.userId));
}

/** Bytes the write may still add (null: no quota); 507 if the announced size does not fit. */
export async function writeAllowance(dav: DavRequest, replaced: FileStat | null): Promise<number | null> {
  const spare = await freeBytes(dav);
  if (spare === null) return null;
  const free = spare + (replaced?.size ?? 0);
  const size = announcedSize(dav);
  if (free < 0 || (size !== null && size > free)) throw overQuota('upload');
  return free;
}

/**
 * How new content is put in place under the quota (undefined: no quota, at
 * once). Under the user's row lock, the usage is measured again, the new
 * content counted and the file at `replacing` (if any) uncounted; the
 * content is put in place under that lock, or refused with 507 and nothing
 * changed.
 */
export async function commitUnderQuota(dav: DavRequest, replacing: StorePath | null): Promise<Commit | undefined> {
  const { storageQuotaBytes } = await getPolicy(dav.services.db);
  if (storageQuotaBytes === 0) return undefined;
  return async (bytes, putInPlace) => {
    await dav.services.db.transaction().execute(async (trx) => {
      if (!(await lockUser(trx, dav.userId))) throw new SesameError('USER_NOT_FOUND', 'No such user.');
      const replaced = replacing === null ? null : await dav.store.stat(replacing);
      const freed = replaced && !replaced.isDirectory ? replaced.size : 0;
      if ((await spaceUsage(dav.store, trx, dav.userId)) - freed + bytes > storageQuotaBytes) {
        throw overQuota(replacing === null ? 'copy' : 'upload');
      }
      putInPlace();
    });
  };
}
