/**
 * The local-disk blob store (the embedded default): blob `k` is the file
 * `<DATA_DIR>/blobs/<k[0..2]>/<k[2..4]>/<k>`. A write streams into
 * `.partial/` on the same file system, is fsynced, then renamed into place
 * and the folder fsynced, so a blob exists whole or not at all, even after
 * a crash. Parts of a multipart write wait in `.multipart/<upload id>/`.
 * Every path is built from a key checked against the key format, never
 * from a name a user chose; nothing here depends on Linux's /proc.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isSesameError, SesameError } from '../../errors.js';
import {
  assertBlobKey,
  assertPartNumber,
  blobMissing,
  isBlobKey,
  missingPart,
  partSizeMismatch,
  type BlobListing,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type StoredBlob,
  type UploadedPart,
} from './blob-store.js';
import { ContentDigest } from './content-digest.js';

const PARTIAL = '.partial';
const MULTIPART = '.multipart';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Seconds a client is told to wait when the disk fails us. */
const RETRY_AFTER_S = 30;

function errnoOf(error: unknown): string {
  return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? '') : '';
}

export class LocalBlobStore implements BlobStore {
  readonly description: string;
  private readonly partialDir: string;
  private readonly multipartDir: string;

  /** `dir` is `<DATA_DIR>/blobs`; it is created (mode 0700) if missing. */
  constructor(private readonly dir: string) {
    this.description = `local disk ${dir}`;
    this.partialDir = path.join(dir, PARTIAL);
    this.multipartDir = path.join(dir, MULTIPART);
    for (const folder of [dir, this.partialDir, this.multipartDir]) fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  private uploadDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new SesameError('FILE_NOT_FOUND', 'There is no such upload.');
    return path.join(this.multipartDir, uploadId);
  }

  /** The disk's refusals as the codes callers act on (the cause kept for the log). */
  private failure(error: unknown): unknown {
    if (error instanceof SesameError) return error;
    const code = errnoOf(error);
    if (['ENOSPC', 'EDQUOT', 'EFBIG'].includes(code)) {
      return new SesameError('BLOB_STORE_FULL', 'The server has no space left for this.', { cause: error });
    }
    if (['EIO', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EAGAIN'].includes(code)) {
      return new SesameError('STORAGE_UNAVAILABLE', `The file store (${this.description}) cannot be used right now.`, {
        cause: error,
        retryAfter: RETRY_AFTER_S,
      });
    }
    return error;
  }

  /** Streams `source` through a digest into a new temporary file, fsynced; returns its path and checksums. */
  private async writeTemporary(
    source: Readable | (() => AsyncIterable<Buffer>),
    maxBytes: number | null,
  ): Promise<{ temporary: string; digest: ContentDigest }> {
    const temporary = path.join(this.partialDir, crypto.randomBytes(16).toString('hex'));
    const digest = new ContentDigest(maxBytes);
    try {
      // `flush`: the file is fsynced before it is closed, so the rename publishes bytes that are on the disk.
      await pipeline(source, digest, fs.createWriteStream(temporary, { flags: 'wx', mode: 0o600, flush: true }));
      return { temporary, digest };
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw this.failure(error);
    }
  }

  /** Renames a finished temporary file into place and makes the rename durable. */
  private async publish(temporary: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    const folder = path.dirname(target);
    try {
      const created = await fs.promises.mkdir(folder, { recursive: true, mode: 0o700 });
      await fs.promises.rename(temporary, target);
      await syncFolder(folder);
      if (created !== undefined) await syncFolder(path.dirname(folder)).then(() => syncFolder(this.dir));
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw this.failure(error);
    }
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredBlob> {
    this.pathOf(key);
    const { temporary, digest } = await this.writeTemporary(body, options.maxBytes ?? null);
    await this.publish(temporary, key);
    return { key, ...digest.result() };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.pathOf(key), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') throw blobMissing(key, error);
      throw this.failure(error);
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.promises.rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw this.failure(error);
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const source = await this.get(from);
    const { temporary } = await this.writeTemporary(source, null);
    await this.publish(temporary, to);
  }

  async *list(): AsyncIterable<BlobListing> {
    for (const first of await subfolders(this.dir)) {
      for (const second of await subfolders(path.join(this.dir, first))) {
        const folder = path.join(this.dir, first, second);
        for (const name of await fs.promises.readdir(folder)) {
          if (!isBlobKey(name) || name.slice(0, 2) !== first || name.slice(2, 4) !== second) continue;
          const stats = await fs.promises.lstat(path.join(folder, name)).catch(() => null);
          if (stats?.isFile()) yield { key: name, size: stats.size, modifiedAt: stats.mtimeMs };
        }
      }
    }
  }

  async removeAbandonedWrites(startedBefore: number): Promise<number> {
    let removed = 0;
    // A write in progress keeps touching its file (and a multipart upload its folder): only old ones are abandoned.
    for (const folder of [this.partialDir, this.multipartDir]) {
      for (const name of await fs.promises.readdir(folder)) {
        const entry = path.join(folder, name);
        const stats = await fs.promises.lstat(entry).catch(() => null);
        if (stats === null || stats.mtimeMs >= startedBefore) continue;
        await fs.promises.rm(entry, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  async startMultipart(key: string): Promise<string> {
    this.pathOf(key);
    const uploadId = crypto.randomBytes(16).toString('hex');
    try {
      await fs.promises.mkdir(this.uploadDir(uploadId), { mode: 0o700 });
    } catch (error) {
      throw this.failure(error);
    }
    return uploadId;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<UploadedPart> {
    this.pathOf(key);
    assertPartNumber(partNumber);
    const folder = this.uploadDir(uploadId);
    if (!fs.existsSync(folder)) throw new SesameError('FILE_NOT_FOUND', 'There is no such upload.');
    const { temporary, digest } = await this.writeTemporary(body, size).catch((error: unknown) => {
      throw isSesameError(error, 'QUOTA_EXCEEDED') ? partSizeMismatch('more', size) : error;
    });
    if (digest.bytesSeen !== size) {
      await fs.promises.rm(temporary, { force: true });
      throw partSizeMismatch(digest.bytesSeen, size);
    }
    try {
      await fs.promises.rename(temporary, path.join(folder, String(partNumber)));
      // The folder's time says the upload is alive (removeAbandonedWrites).
      const now = new Date();
      await fs.promises.utimes(folder, now, now);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw errnoOf(error) === 'ENOENT' ? new SesameError('FILE_NOT_FOUND', 'There is no such upload.') : this.failure(error);
    }
    return { partNumber, etag: digest.result().sha256, size };
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<StoredBlob> {
    this.pathOf(key);
    const folder = this.uploadDir(uploadId);
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const files = ordered.map((part) => path.join(folder, String(part.partNumber)));
    for (const [i, file] of files.entries()) {
      const stats = await fs.promises.stat(file).catch(() => null);
      if (stats?.size !== ordered[i]!.size) throw missingPart(ordered[i]!.partNumber);
    }
    const joined = async function* () {
      for (const file of files) yield* fs.createReadStream(file);
    };
    const { temporary, digest } = await this.writeTemporary(joined, null);
    await this.publish(temporary, key);
    await fs.promises.rm(folder, { recursive: true, force: true });
    return { key, ...digest.result() };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    this.pathOf(key);
    await fs.promises.rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  close(): void {
    // Nothing is held open between calls.
  }
}

async function subfolders(folder: string): Promise<string[]> {
  const entries = await fs.promises.readdir(folder, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name)).map((entry) => entry.name);
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await fs.promises.open(folder, fs.constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
