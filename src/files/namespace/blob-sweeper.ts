/**
 * Removes blobs nothing can point at any more, safe with several nodes
 * sweeping at once: writes abandoned by a crash (a `writing` blob whose
 * lease passed, taken by one conditional delete), blobs that lost their
 * last reference (a due check claimed by one delete, then the blob's row
 * deleted only if no node points at it, the foreign key refusing a
 * reference being added meanwhile), and, on request, blobs in the store
 * with no row at all (a crash between a row's deletion and the bytes'
 * removal) plus the store's own unfinished writes. A row is always gone
 * before its bytes, and since every blob gets its row before its first
 * byte, a blob in the store without a row is garbage. Never removes a blob
 * a file points at, and never holds a transaction across a store call.
 */
import type { Clock } from '../../context.js';
import type { Db } from '../../db/database.js';
import { claimCheck, dueChecks } from '../../repositories/blob-checks.js';
import { abandonedBlobs, deleteIfUnreferenced, knownBlobKeys, takeWritingBlob } from '../../repositories/blobs.js';
import type { BlobStore } from '../blobs/blob-store.js';

export interface SweepOptions {
  /** Also list the whole store for blobs without a row (slow on a large bucket: now and then, or for `files check`). */
  orphans: boolean;
  /**
   * The store's unfinished writes (temporary files, multipart uploads)
   * started longer ago than this are removed: above the chunked-upload lease,
   * so a chunked upload has this long from its start to finish.
   */
  partialWriteGraceMs: number;
  /** Rows handled per query. */
  batch: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  orphans: false,
  partialWriteGraceMs: 2 * 24 * 60 * 60_000,
  batch: 500,
};

export interface SweepReport {
  /** Writes a crash abandoned. */
  abandoned: number;
  /** Blobs whose last reference went. */
  unreferenced: number;
  /** Blobs in the store without a row. */
  orphans: number;
  /** The store's unfinished writes. */
  partialWrites: number;
}

interface Deps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
}

async function sweepAbandoned({ db, blobs, clock }: Deps, batch: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const keys = await abandonedBlobs(db, clock.now(), batch);
    for (const key of keys) {
      if (!(await takeWritingBlob(db, key))) continue;
      await blobs.delete(key);
      removed++;
    }
    if (keys.length < batch) return removed;
  }
}

/** True if the foreign key refused: a node started pointing at the blob while it was checked. */
function isReferenceRace(error: unknown): boolean {
  const text = `${(error as { code?: unknown })?.code ?? ''} ${error instanceof Error ? error.message : ''}`;
  return /23503|FOREIGN KEY|foreign key/i.test(text);
}

async function sweepUnreferenced({ db, blobs, clock }: Deps, batch: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const now = clock.now();
    const keys = await dueChecks(db, now, batch);
    for (const key of keys) {
      let gone: boolean;
      try {
        gone = await db.transaction().execute(async (trx) => (await claimCheck(trx, key, now)) && deleteIfUnreferenced(trx, key));
      } catch (error) {
        if (isReferenceRace(error)) continue;
        throw error;
      }
      if (!gone) continue;
      await blobs.delete(key);
      removed++;
    }
    if (keys.length < batch) return removed;
  }
}

async function sweepOrphans({ db, blobs }: Deps, batch: number): Promise<number> {
  let removed = 0;
  const removeUnknown = async (keys: string[]) => {
    const known = await knownBlobKeys(db, keys);
    for (const key of keys.filter((key) => !known.has(key))) {
      await blobs.delete(key);
      removed++;
    }
  };
  let pending: string[] = [];
  for await (const blob of blobs.list()) {
    pending.push(blob.key);
    if (pending.length >= batch) {
      await removeUnknown(pending);
      pending = [];
    }
  }
  await removeUnknown(pending);
  return removed;
}

/** One sweep; concurrent sweeps (other processes, other nodes) each remove a blob at most once between them. */
export async function sweepBlobs(deps: Deps, options: Partial<SweepOptions> = {}): Promise<SweepReport> {
  const { orphans, partialWriteGraceMs, batch } = { ...DEFAULT_SWEEP_OPTIONS, ...options };
  return {
    abandoned: await sweepAbandoned(deps, batch),
    unreferenced: await sweepUnreferenced(deps, batch),
    orphans: orphans ? await sweepOrphans(deps, batch) : 0,
    partialWrites: orphans ? await deps.blobs.removeAbandonedWrites(deps.clock.now() - partialWriteGraceMs) : 0,
  };
}
