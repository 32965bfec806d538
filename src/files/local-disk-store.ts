/**
 * The local-disk FileStore: each user's space is `<DATA_DIR>/files/<userId>`.
 * Writes go to a temporary file under `<DATA_DIR>/files/.tmp` (outside every
 * space, same file system), are fsynced, then renamed over the target, so a
 * client that disconnects or a process killed mid-upload leaves the previous
 * version intact. Small reads and stats are synchronous: on a local disk they
 * cost less than a trip through the thread pool (docs/BENCHMARKS.md).
 * Must never follow a symbolic link out of a space: a file opened for reading
 * is checked on its open descriptor (Linux's /proc/<pid>/fd names what was
 * really opened, so nothing swapped in before or after can fool it); a small
 * file read that way may then be served again from the server's
 * SmallFileCache while `lstat` shows the very same version at its path
 * (small-file-cache.ts); every other path is checked with realpath against
 * the space root.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SesameError } from '../errors.js';
import { storageFull } from '../db/database-faults.js';
import type { ByteRange, Commit, DirEntry, FileStat, FileStore, OpenFile, StorePath, WriteLimits } from './file-store.js';
import { OPEN_FILES, openedPathOf } from './opened-path.js';
import { ReadFile, SMALL_FILE_BYTES, type SmallFileCache } from './small-file-cache.js';

const TEMP_DIR = '.tmp';

function fileStat(isDirectory: boolean, size: number, ino: number, mtimeMs: number): FileStat {
  return {
    isDirectory,
    size: isDirectory ? 0 : size,
    mtimeMs,
    version: `${ino.toString(36)}-${size.toString(36)}-${Math.round(mtimeMs * 1000).toString(36)}`,
  };
}

function toStat(stats: fs.Stats): FileStat {
  return fileStat(stats.isDirectory(), stats.size, stats.ino, stats.mtimeMs);
}

const NS_PER_S = 1_000_000_000n;

/** The same FileStat as `toStat` of the same file (Node derives `mtimeMs` from seconds and nanoseconds this way). */
function toStatOfBigInt(stats: fs.BigIntStats): FileStat {
  const mtimeMs = Number(stats.mtimeNs / NS_PER_S) * 1e3 + Number(stats.mtimeNs % NS_PER_S) / 1e6;
  return fileStat(stats.isDirectory(), Number(stats.size), Number(stats.ino), mtimeMs);
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** Maps the file system's refusals to the stable codes clients see. */
function storeError(error: unknown): unknown {
  if (isErrno(error, 'ENOENT')) return new SesameError('DAV_CONFLICT', 'A parent folder does not exist.', { cause: error });
  if (isErrno(error, 'ENOTDIR')) return new SesameError('DAV_CONFLICT', 'A parent in this path is a file.', { cause: error });
  if (isErrno(error, 'EEXIST', 'ENOTEMPTY'))
    return new SesameError('DAV_CONFLICT', 'Something already exists there.', { cause: error });
  if (isErrno(error, 'ENAMETOOLONG')) {
    return new SesameError('DAV_NAME_UNSUPPORTED', 'This name or path is too long for the file system.', { cause: error });
  }
  if (isErrno(error, 'EILSEQ', 'EINVAL')) {
    return new SesameError('DAV_NAME_UNSUPPORTED', 'The file system cannot hold this name.', { cause: error });
  }
  if (isErrno(error, 'ENOSPC', 'EDQUOT')) {
    return new SesameError('DAV_INSUFFICIENT_STORAGE', 'The server has no space left for this.', { cause: error });
  }
  // Every file here is the server's own: a refusal to write one means its data directory was taken from it.
  if (isErrno(error, 'EACCES', 'EPERM', 'EROFS', 'EIO')) return storageFull(error);
  return error;
}

/** Counts bytes through a stream and fails once a limit is passed. */
function byteLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new SesameError('DAV_INSUFFICIENT_STORAGE', 'This upload would exceed your storage quota.'));
      else done(null, chunk);
    },
  });
}

const OPEN_FOR_READING = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;

function linkRefused(): SesameError {
  return new SesameError('DAV_FORBIDDEN', 'This path leads through a link the server does not follow.');
}

/** Up to `length` bytes from `start` (fewer if the file was cut short meanwhile). */
function readBytes(fd: number, start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** A folder, or a file too large to read whole: read (or streamed) from its descriptor when asked. */
class OpenLocalFile implements OpenFile {
  private open = true;

  constructor(
    private readonly fd: number,
    readonly stat: FileStat,
  ) {}

  read(range?: ByteRange): Buffer | Readable {
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? this.stat.size - 1, this.stat.size - 1);
    const length = Math.max(0, end - start + 1);
    if (length > SMALL_FILE_BYTES) {
      this.open = false;
      return fs.createReadStream('', { fd: this.fd, start, end, autoClose: true });
    }
    try {
      return readBytes(this.fd, start, length);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    fs.closeSync(this.fd);
  }
}

export class LocalDiskStore implements FileStore {
  private readonly root: string;
  private readonly tempDir: string;

  /** `filesDir` is `<DATA_DIR>/files`, created beforehand by `prepareFilesDirectory`; `cache` is the server's. */
  constructor(
    filesDir: string,
    userId: string,
    private readonly cache: SmallFileCache,
  ) {
    if (!/^[0-9a-zA-Z-]+$/.test(userId)) throw new Error('a space is named by a user id');
    if (!fs.existsSync(OPEN_FILES)) throw new Error(`The local-disk store needs Linux: it checks opened files in ${OPEN_FILES}.`);
    const realFiles = fs.realpathSync.native(filesDir);
    this.root = path.join(realFiles, userId);
    this.tempDir = path.join(realFiles, TEMP_DIR);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  /** The on-disk path of `segments`, from names alone (no link checked yet). */
  private pathOf(segments: StorePath): string {
    for (const name of segments) {
      if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
        throw new SesameError('DAV_PATH_INVALID', 'This path is not allowed.');
      }
    }
    return segments.length === 0 ? this.root : `${this.root}/${segments.join('/')}`;
  }

  /** The on-disk path of `segments`, refused if any existing part of it is a link leading elsewhere. */
  private resolve(segments: StorePath): string {
    const full = this.pathOf(segments);
    this.assertNoLink(full);
    return full;
  }

  private assertNoLink(full: string): void {
    let probe = full;
    for (;;) {
      try {
        if (fs.realpathSync.native(probe) !== probe) throw linkRefused();
        return;
      } catch (error) {
        if (!isErrno(error, 'ENOENT', 'ENOTDIR') || probe === this.root) throw storeError(error);
        probe = path.dirname(probe);
      }
    }
  }

  async stat(segments: StorePath): Promise<FileStat | null> {
    const full = this.resolve(segments);
    const stats = fs.statSync(full, { throwIfNoEntry: false });
    return stats ? toStat(stats) : null;
  }

  async list(segments: StorePath): Promise<DirEntry[]> {
    const full = this.resolve(segments);
    const entries: DirEntry[] = [];
    for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
      // Links are never followed, so they are not listed either.
      if (entry.isSymbolicLink()) continue;
      const stats = fs.statSync(path.join(full, entry.name), { throwIfNoEntry: false });
      if (stats) entries.push({ name: entry.name, stat: toStat(stats) });
    }
    return entries;
  }

  async open(segments: StorePath): Promise<OpenFile | null> {
    const full = this.pathOf(segments);
    const cached = this.cache.lookup(full);
    if (cached) return cached;
    let fd: number;
    try {
      fd = fs.openSync(full, OPEN_FOR_READING);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      if (isErrno(error, 'ELOOP')) throw linkRefused();
      throw storeError(error);
    }
    let handedOver = false;
    try {
      // What the kernel opened, after following any link on the way: it must be the very path asked for.
      const opened = openedPathOf(fd, full);
      if (opened === 'elsewhere') throw linkRefused();
      // 'removed': the file opened at this very path was deleted or replaced (a PUT of another process renamed
      // a new version over it) since. It is the version that was there when this read began: served, never kept.
      const identity = fs.fstatSync(fd, { bigint: true });
      const stat = toStatOfBigInt(identity);
      if (stat.isDirectory || stat.size > SMALL_FILE_BYTES) {
        handedOver = true;
        return new OpenLocalFile(fd, stat);
      }
      const bytes = readBytes(fd, 0, stat.size);
      const file = new ReadFile(stat, bytes);
      if (bytes.length === stat.size && opened === 'asked') this.cache.remember(full, identity, file);
      return file;
    } finally {
      if (!handedOver) fs.closeSync(fd);
    }
  }

  async write(segments: StorePath, body: Readable, limits: WriteLimits): Promise<FileStat> {
    const full = this.resolve(segments);
    const temp = path.join(this.tempDir, tempName());
    try {
      // Opened here, not by the stream: a failure cannot then race the file's creation and leave it behind.
      const output = fs.createWriteStream('', { fd: fs.openSync(temp, 'wx', 0o600), flush: true });
      if (limits.maxBytes === null) await pipeline(body, output);
      else await pipeline(body, byteLimit(limits.maxBytes), output);
      await (limits.commit ?? commitAtOnce)(fs.statSync(temp).size, () => fs.renameSync(temp, full));
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw storeError(error);
    }
    return toStat(fs.statSync(full));
  }

  async makeDirectory(segments: StorePath): Promise<void> {
    try {
      fs.mkdirSync(this.resolve(segments), { mode: 0o700 });
    } catch (error) {
      throw storeError(error);
    }
  }

  async move(from: StorePath, to: StorePath): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    if (fs.existsSync(target)) throw new SesameError('DAV_CONFLICT', 'Something already exists there.');
    try {
      fs.renameSync(source, target);
    } catch (error) {
      throw storeError(error);
    }
  }

  async copy(from: StorePath, to: StorePath, commit: Commit = commitAtOnce): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    const temp = path.join(this.tempDir, tempName());
    try {
      if (fs.statSync(source).isDirectory()) {
        await fs.promises.cp(source, temp, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: false });
      } else {
        fs.copyFileSync(source, temp);
      }
      await commit(bytesUnder(temp), () => {
        if (fs.existsSync(target)) throw new SesameError('DAV_CONFLICT', 'Something already exists there.');
        fs.renameSync(temp, target);
      });
    } catch (error) {
      throw storeError(error);
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  }

  async remove(segments: StorePath): Promise<void> {
    if (segments.length === 0) throw new SesameError('DAV_FORBIDDEN', 'The root of your space cannot be deleted.');
    try {
      await fs.promises.rm(this.resolve(segments), { recursive: true });
    } catch (error) {
      throw storeError(error);
    }
  }

  async spaceUsed(): Promise<number> {
    return bytesUnder(this.root);
  }
}

/** Puts staged content in place with no further check. */
const commitAtOnce: Commit = async (_bytes, putInPlace) => putInPlace();

/** Bytes of the regular files at or below `start`, walked with a list of folders to visit (never recursion). */
function bytesUnder(start: string): number {
  const first = fs.lstatSync(start);
  if (!first.isDirectory()) return first.isFile() ? first.size : 0;
  let total = 0;
  const folders = [start];
  for (let dir = folders.pop(); dir !== undefined; dir = folders.pop()) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) folders.push(full);
      else if (entry.isFile()) total += fs.statSync(full).size;
    }
  }
  return total;
}

const HOST = os.hostname().replace(/[^0-9A-Za-z-]/g, '_');

/** Host and process in the name, so that start-up cleaning removes only what no live process is writing. */
function tempName(): string {
  return `${HOST}.${process.pid}.${crypto.randomBytes(8).toString('hex')}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

/**
 * Creates `<DATA_DIR>/files` (0700) and its temporary directory, and removes
 * temporary files left by processes of this host that no longer run (a
 * crash or SIGKILL mid-upload).
 */
export function prepareFilesDirectory(dataDir: string): string {
  const filesDir = path.join(dataDir, 'files');
  const tempDir = path.join(filesDir, TEMP_DIR);
  fs.mkdirSync(tempDir, { recursive: true, mode: 0o700 });
  for (const name of fs.readdirSync(tempDir)) {
    const [host, pid] = name.split('.');
    if (host === HOST && !isAlive(Number(pid))) fs.rmSync(path.join(tempDir, name), { recursive: true, force: true });
  }
  return filesDir;
}

/** A readable of nothing: the body of a LOCK on an unmapped URL. */
export function emptyBody(): Readable {
  return Readable.from([]);
}
