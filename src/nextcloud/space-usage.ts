/**
 * What a user's space holds and may hold, for the quota of `cloud/user`:
 * one function, given to the OCS surface by the server, so that the
 * storage that serves the files can replace it with its own reading. Today
 * it reads them as WebDAV's quota.ts does: the admin policy's
 * `storageQuotaBytes` (0 = no quota) and the bytes under the user's folder
 * on the local disk.
 */
import type { Context } from '../context.js';
import { getPolicy } from '../policy/policy.js';
import { LocalDiskStore } from '../files/local-disk-store.js';
import { SmallFileCache } from '../files/small-file-cache.js';

export interface SpaceUsage {
  usedBytes: number;
  /** null: no quota. */
  quotaBytes: number | null;
}

export type SpaceUsageReader = (userId: string) => Promise<SpaceUsage>;

/** The space of the local-disk store under `filesDir` (DATA_DIR/files), and the policy's quota. */
export function localDiskSpaceUsage(ctx: Context, filesDir: string): SpaceUsageReader {
  // Sizes only: the store reads no file, so its cache of small files stays empty.
  const cache = new SmallFileCache();
  return async (userId) => {
    const { storageQuotaBytes } = await getPolicy(ctx.db);
    const usedBytes = await new LocalDiskStore(filesDir, userId, cache).spaceUsed();
    return { usedBytes, quotaBytes: storageQuotaBytes === 0 ? null : storageQuotaBytes };
  };
}

/** Nextcloud's "unlimited" (FileInfo::SPACE_UNLIMITED), for the quota and what follows from it. */
export const SPACE_UNLIMITED = -3;

/** The `quota` object of Nextcloud's user data: free, used, total, relative (percent used, two decimals), quota. */
export function nextcloudQuota(usage: SpaceUsage) {
  if (usage.quotaBytes === null) {
    return { free: SPACE_UNLIMITED, used: usage.usedBytes, total: SPACE_UNLIMITED, relative: 0, quota: SPACE_UNLIMITED };
  }
  const total = usage.quotaBytes;
  return {
    free: Math.max(0, total - usage.usedBytes),
    used: usage.usedBytes,
    total,
    relative: total > 0 ? Math.round((usage.usedBytes / total) * 10_000) / 100 : 0,
    quota: total,
  };
}
