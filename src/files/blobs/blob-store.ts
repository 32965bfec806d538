/**
 * The blob store seam: where the bytes of files live, behind one small
 * interface with two implementations (the local disk, an S3-compatible
 * bucket). A blob is written once under a key chosen before the write and
 * never changed afterwards; the namespace (files/namespace) decides which
 * blobs are in use. Keys are random (newBlobKey) and never derived from a
 * name, so nothing a user chooses ever reaches a file system path or an
 * object name. A store never logs or returns credentials.
 */
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { SesameError } from '../../errors.js';

/** Inclusive byte range, as HTTP Range gives it. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob as written: its size and content checksums (lower-case hex), computed while it streamed in. */
export interface StoredBlob {
  key: string;
  size: number;
  sha1: string;
  sha256: string;
}

export interface PutOptions {
  /** Bytes the blob may hold; more fails the write with QUOTA_EXCEEDED and leaves nothing (null: no limit). */
  maxBytes?: number | null;
}

/** One blob as a listing shows it (for the sweeper and `files check`). */
export interface BlobListing {
  key: string;
  size: number;
  /** When the blob was written (epoch ms). */
  modifiedAt: number;
}

/** One uploaded part of a multipart write (chunked uploads). */
export interface UploadedPart {
  partNumber: number;
  /** The store's tag of this part, handed back to completeMultipart. */
  etag: string;
  size: number;
}

/** Part numbers of a multipart write, as S3 allows them. */
export const MAX_PART_NUMBER = 10_000;

export interface BlobStore {
  /** Names the store for logs and errors (kind, place, bucket); never a credential. */
  readonly description: string;
  /**
   * Streams `body` into a new blob at `key` (from newBlobKey); the blob
   * appears whole or not at all. Fails with QUOTA_EXCEEDED past
   * `maxBytes`, BLOB_STORE_FULL when the store refuses the bytes, and
   * STORAGE_UNAVAILABLE when it cannot be reached in time.
   */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredBlob>;
  /** The bytes of a blob, or of one range of it (BLOB_MISSING when there is none). */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes a blob; removing one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Copies a blob to a new key inside the store (no byte passes through this process where the store can help it). */
  copy(from: string, to: string): Promise<void>;
  /** Every blob of the store, in no particular order. */
  list(): AsyncIterable<BlobListing>;
  /**
   * Removes writes that were started before `startedBefore` (epoch ms) and
   * never finished (a crashed process, an abandoned chunked upload); returns
   * how many it removed.
   */
  removeAbandonedWrites(startedBefore: number): Promise<number>;

  /** Starts a write in parts (a chunked upload) that will become the blob `key`; returns the upload's id. */
  startMultipart(key: string): Promise<string>;
  /**
   * Stores one part (1 … 10 000; all but the last at least 5 MiB on S3) of
   * `size` bytes; sending a part number again replaces that part.
   */
  putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<UploadedPart>;
  /** Joins the parts, in part-number order, into the blob `key`; its checksums are those of the whole. */
  completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<StoredBlob>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Releases what the store holds open (connections); the store is not used afterwards. */
  close(): void;
}

const BLOB_KEY = /^[0-9a-f]{32}$/;

/** A new random blob key: 128 bits, lower-case hex. */
export function newBlobKey(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** Refuses anything that is not a key from newBlobKey (a programming error, never user input). */
export function assertBlobKey(key: string): void {
  if (!BLOB_KEY.test(key)) throw new Error('not a blob key');
}

export function isBlobKey(key: string): boolean {
  return BLOB_KEY.test(key);
}

/** Refuses part numbers outside 1 … MAX_PART_NUMBER (a programming error at this level). */
export function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) throw new Error('not a part number');
}

/** SHA-1 and SHA-256 of the empty content: an empty file needs no blob. */
export const EMPTY_CONTENT = {
  size: 0,
  sha1: crypto.createHash('sha1').digest('hex'),
  sha256: crypto.createHash('sha256').digest('hex'),
} as const;

export function blobMissing(key: string, cause?: unknown): SesameError {
  return new SesameError('BLOB_MISSING', `The content ${key} is missing from the store.`, { cause });
}

export function missingPart(partNumber: number): SesameError {
  return new SesameError('VALIDATION_FAILED', `Part ${partNumber} of this upload is missing or differs from the one listed.`);
}

export function partSizeMismatch(received: number | string, announced: number): SesameError {
  return new SesameError('VALIDATION_FAILED', `This part has ${received} bytes, not the ${announced} announced.`);
}
