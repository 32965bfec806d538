/**
 * One server's memory of small files' bytes (nginx's open_file_cache idea,
 * holding content): a GET of an unchanged small file then costs one `lstat`
 * instead of open, readlink, fstat, read and close. An entry is made only
 * from what the store's safe read returned (opened without following a
 * link, checked on its descriptor) with the identity that read saw; it is
 * served only while `lstat` of the same path, which never follows the last
 * name, returns that very identity (device, inode, size, mode, and mtime
 * and ctime to the nanosecond). Anything else drops the entry and the caller reads the
 * safe way. Must never serve bytes the safe read did not return, never serve
 * a file changed since, and never hold a file changed so recently that a
 * change within the same tick of the file system's clock could go unseen.
 */
import fs from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { ByteRange, FileStat, OpenFile } from './file-store.js';

/** Files up to this size are read whole, in one call, and may be cached. */
export const SMALL_FILE_BYTES = 64 * 1024;
const CACHE_BYTES = 32 * 1024 * 1024;
/** Bookkeeping of an entry beyond its bytes, counted against CACHE_BYTES. */
const ENTRY_OVERHEAD_BYTES = 512;
/**
 * A file whose ctime is this close to the time it was read is not cached:
 * the kernel stamps times from a clock that ticks every few milliseconds, so
 * an in-place write in the same tick would leave the identity unchanged.
 */
export const SETTLED_MS = 1000;

/** A small file read whole: the bytes and state of one version, handed out without a descriptor. */
export class ReadFile implements OpenFile {
  constructor(
    readonly stat: FileStat,
    private readonly bytes: Buffer,
  ) {}

  read(range?: ByteRange): Buffer {
    if (!range) return this.bytes;
    return this.bytes.subarray(range.start, Math.min(range.end, this.bytes.length - 1) + 1);
  }

  close(): void {}
}

interface Entry {
  identity: fs.BigIntStats;
  file: ReadFile;
}

function sameIdentity(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return (
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.mode === b.mode
  );
}

export class SmallFileCache {
  private readonly entries = new LRUCache<string, Entry>({
    maxSize: CACHE_BYTES,
    sizeCalculation: (entry) => entry.file.stat.size + ENTRY_OVERHEAD_BYTES,
  });

  /** `now` is the wall clock the settling delay is measured on (tests move it). */
  constructor(private readonly now: () => number = Date.now) {}

  /** The cached file at `full` if the disk still holds that very version there; otherwise undefined, and the entry is gone. */
  lookup(full: string): ReadFile | undefined {
    const entry = this.entries.get(full);
    if (entry === undefined) return undefined;
    let current: fs.BigIntStats | undefined;
    try {
      current = fs.lstatSync(full, { bigint: true, throwIfNoEntry: false });
    } catch {
      // ENOTDIR, EACCES…: a miss; the safe read meets the same error and answers it.
      current = undefined;
    }
    if (current !== undefined && sameIdentity(current, entry.identity)) return entry.file;
    this.entries.delete(full);
    return undefined;
  }

  /** Keeps what the safe read of `full` returned, with the identity of the descriptor it was read from. */
  remember(full: string, identity: fs.BigIntStats, file: ReadFile): void {
    const settled = this.now() - Number(identity.ctimeMs) >= SETTLED_MS;
    if (identity.isFile() && file.stat.size <= SMALL_FILE_BYTES && settled) this.entries.set(full, { identity, file });
    else this.entries.delete(full);
  }
}
