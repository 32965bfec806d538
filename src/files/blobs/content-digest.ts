/**
 * A pass-through stream that counts and hashes the bytes of a blob as they
 * flow to the store (SHA-1, which the sync clients send as OC-Checksum, and
 * SHA-256), and stops the flow once a byte limit is passed. Never buffers.
 */
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SesameError } from '../../errors.js';

export function quotaExceeded(): SesameError {
  return new SesameError('QUOTA_EXCEEDED', 'This upload would exceed the storage quota.');
}

export class ContentDigest extends Transform {
  private readonly sha1Hash = crypto.createHash('sha1');
  private readonly sha256Hash = crypto.createHash('sha256');
  private bytes = 0;
  private digests: { sha1: string; sha256: string } | null = null;

  constructor(private readonly maxBytes: number | null = null) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes !== null && this.bytes > this.maxBytes) {
      done(quotaExceeded());
      return;
    }
    this.sha1Hash.update(chunk);
    this.sha256Hash.update(chunk);
    done(null, chunk);
  }

  /** Bytes seen so far (not named `size`: upload libraries read a body's `size` as its length). */
  get bytesSeen(): number {
    return this.bytes;
  }

  /** The checksums, once every byte has passed. */
  result(): { size: number; sha1: string; sha256: string } {
    this.digests ??= { sha1: this.sha1Hash.digest('hex'), sha256: this.sha256Hash.digest('hex') };
    return { size: this.bytes, ...this.digests };
  }
}
