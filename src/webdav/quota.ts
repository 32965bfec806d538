/**
 * The storage quota of a user's space (admin policy `storageQuotaBytes`,
 * 0 = unlimited): checked before a write starts, from the announced size
 * (Content-Length, or macOS Finder's X-Expected-Entity-Length with chunked
 * bodies), and enforced while the bytes arrive when no size is announced.
 * A COPY checks the size of what it copies (webdav/member-transfer.ts).
 */
import { SesameError } from '../errors.js';
import { getPolicy } from '../policy/policy.js';
import type { FileStat } from '../files/file-store.js';
import { headerOf, type DavRequest } from './dav-request.js';

function announcedSize(dav: DavRequest): number | null {
  for (const name of ['content-length', 'x-expected-entity-length']) {
    const value = headerOf(dav, name);
    if (value !== undefined && /^\d{1,16}$/.test(value)) return Number(value);
  }
  return null;
}

/** Bytes the space may still take (negative: over its quota), or null without a quota. */
export async function freeBytes(dav: DavRequest): Promise<number | null> {
  const { storageQuotaBytes } = await getPolicy(dav.services.db);
  return storageQuotaBytes === 0 ? null : storageQuotaBytes - (await dav.store.spaceUsed());
}

/** Bytes the write may still add (null: no quota); 507 if the announced size does not fit. */
export async function writeAllowance(dav: DavRequest, replaced: FileStat | null): Promise<number | null> {
  const spare = await freeBytes(dav);
  if (spare === null) return null;
  const free = spare + (replaced?.size ?? 0);
  const size = announcedSize(dav);
  if (free < 0 || (size !== null && size > free)) {
    throw new SesameError('DAV_INSUFFICIENT_STORAGE', 'This upload would exceed your storage quota.');
  }
  return free;
}
