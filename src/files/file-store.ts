/**
 * The storage seam of every file surface: what WebDAV (and later the sync
 * surface) may do with a user's files, described by shape so that a shared
 * store can stand in for the local disk. Paths are arrays of already
 * validated names; `[]` is the space's root. Implementations confine every
 * path to one space and never follow a link out of it.
 */
import type { Readable } from 'node:stream';

export type StorePath = readonly string[];

export interface FileStat {
  isDirectory: boolean;
  size: number;
  mtimeMs: number;
  /** Changes whenever the content is replaced (an atomic PUT writes a new file). */
  version: string;
}

export interface DirEntry {
  name: string;
  stat: FileStat;
}

/** Inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Puts staged content in place: called once the new content (`bytes` of
 * it) is complete, with the step that makes it visible. It may run that
 * step under a lock and refuse it instead (the quota, checked again once
 * the size is known); nothing is then changed.
 */
export type Commit = (bytes: number, putInPlace: () => void) => Promise<void>;

export interface WriteLimits {
  /** Bytes the write may add to the space before it is refused (null: no quota). */
  maxBytes: number | null;
  /** How the complete content is put in place (by default at once). */
  commit?: Commit;
}

/** A file or folder opened for reading: its state, read from the open handle itself. */
export interface OpenFile {
  stat: FileStat;
  /** The bytes (all, or one range), handing the handle over: small files come back as one buffer, larger ones as a stream. */
  read(range?: ByteRange): Buffer | Readable;
  /** Releases the handle when nothing is read (a folder, a 304, HEAD, an error). */
  close(): void;
}

export interface FileStore {
  stat(path: StorePath): Promise<FileStat | null>;
  /** Entries of a directory, in no particular order. */
  list(path: StorePath): Promise<DirEntry[]>;
  /** Opens for reading (null: nothing there); the state and the bytes come from the same handle. */
  open(path: StorePath): Promise<OpenFile | null>;
  /** Atomic replace: readers see the old content or the new one, never a part; a failed write leaves the old one. */
  write(path: StorePath, body: Readable, limits: WriteLimits): Promise<FileStat>;
  makeDirectory(path: StorePath): Promise<void>;
  /** `to` must not exist; its parent must. */
  move(from: StorePath, to: StorePath): Promise<void>;
  /** Recursive; `to` must not exist; its parent must. The copy is made aside, then put in place by `commit`. */
  copy(from: StorePath, to: StorePath, commit?: Commit): Promise<void>;
  /** Recursive. */
  remove(path: StorePath): Promise<void>;
  spaceUsed(): Promise<number>;
}
