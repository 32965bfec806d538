/**
 * The S3-compatible blob store (Ceph RGW, MinIO, Garage, AWS S3): blob `k`
 * is the object `blobs/<k>` of one bucket. Writes stream through
 * @aws-sdk/lib-storage's multipart upload (a few parts of memory at a time,
 * whatever the size); reads stream the object, a Range going through to the
 * store; copies stay inside the store. A store that cannot be reached, or
 * does not answer in time, is STORAGE_UNAVAILABLE (503 with Retry-After at
 * the HTTP edge); one that refuses the bytes (its quota, its disk) is
 * BLOB_STORE_FULL (507). The access keys never appear in a description, an
 * error message or a log line.
 */
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Config } from '../../config/config.js';
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

const PREFIX = 'blobs/';
const MiB = 1024 * 1024;

export interface S3StoreTuning {
  /** Milliseconds to open a connection to the store. */
  connectTimeoutMs: number;
  /** Milliseconds for the store to start answering a request whose body is already known. */
  answerTimeoutMs: number;
  /** Milliseconds a connection may stay silent while a body streams. */
  idleTimeoutMs: number;
  /** Attempts per request (the SDK's retries with back-off), at least 1. */
  maxAttempts: number;
  /** Size of the parts a put is cut into (at least 5 MiB); memory per put is about `partSize × (queueSize + 1)`. */
  partSize: number;
  queueSize: number;
  /** Largest object copied in one request; larger ones are copied in parts of this size (S3 allows 5 GiB). */
  copyPartBytes: number;
}

export const DEFAULT_S3_TUNING: S3StoreTuning = {
  connectTimeoutMs: 3_000,
  answerTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxAttempts: 3,
  partSize: 8 * MiB,
  queueSize: 2,
  copyPartBytes: 5 * 1024 * MiB,
};

/** Seconds a client is told to wait when the store is unreachable. */
const RETRY_AFTER_S = 10;

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const FULL = new Set(['QuotaExceeded', 'EntityTooLarge', 'InsufficientStorage', 'XMinioStorageFull']);
const MISSING = new Set(['NoSuchKey', 'NotFound']);

const SILENT = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function sdkError(error: unknown): SdkError | null {
  return typeof error === 'object' && error !== null ? (error as SdkError) : null;
}

function objectName(key: string): string {
  assertBlobKey(key);
  return `${PREFIX}${key}`;
}

export class S3BlobStore implements BlobStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly tuning: S3StoreTuning;

  constructor(config: S3Config, tuning: Partial<S3StoreTuning> = {}) {
    this.tuning = { ...DEFAULT_S3_TUNING, ...tuning };
    this.bucket = config.bucket;
    this.description = `S3 bucket ${config.bucket} at ${config.endpoint?.origin ?? `AWS ${config.region}`}`;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint.href } : {}),
      forcePathStyle: config.forcePathStyle,
      ...(config.credentials ? { credentials: config.credentials } : {}),
      maxAttempts: this.tuning.maxAttempts,
      // Checksums only where S3 requires them: stores other than AWS may not know the newer checksum headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Every failure reaches the caller as a typed error, which the HTTP edge logs; the SDK's own console warnings would not
      // go through the server's log.
      logger: SILENT,
      requestHandler: {
        connectionTimeout: this.tuning.connectTimeoutMs,
        requestTimeout: this.tuning.answerTimeoutMs,
        throwOnRequestTimeout: true,
        socketTimeout: this.tuning.idleTimeoutMs,
      },
    });
  }

  /** The SDK's failures as the codes callers act on; the cause is kept for the log, never shown. */
  private failure(error: unknown): unknown {
    if (error instanceof SesameError) return error;
    const sdk = sdkError(error);
    if (sdk === null || (sdk.$metadata === undefined && sdk.code === undefined && sdk.name !== 'TimeoutError')) return error;
    const name = sdk.name ?? sdk.Code ?? '';
    if (FULL.has(name) || sdk.$metadata?.httpStatusCode === 507) {
      return new SesameError('BLOB_STORE_FULL', `The file store (${this.description}) refused to store this.`, { cause: error });
    }
    return new SesameError('STORAGE_UNAVAILABLE', `The file store (${this.description}) cannot be reached right now.`, {
      cause: error,
      retryAfter: RETRY_AFTER_S,
    });
  }

  private isMissing(error: unknown): boolean {
    const sdk = sdkError(error);
    return (
      sdk !== null && (MISSING.has(sdk.name ?? '') || (sdk.$metadata?.httpStatusCode === 404 && sdk.name !== 'NoSuchBucket'))
    );
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredBlob> {
    const digest = new ContentDigest(options.maxBytes ?? null);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectName(key), Body: digest },
      partSize: this.tuning.partSize,
      queueSize: this.tuning.queueSize,
    });
    const feeding = pipeline(body, digest);
    const [fed, uploaded] = await Promise.allSettled([
      feeding,
      upload.done().catch((error: unknown) => {
        // The store failed: stop reading the body, which makes `feeding` fail too.
        digest.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }),
    ]);
    if (uploaded.status === 'rejected') {
      await upload.abort();
      // A body that failed first (the quota, a client gone) explains the failure better than the upload cut short.
      throw this.failure(fed.status === 'rejected' && fed.reason !== uploaded.reason ? fed.reason : uploaded.reason);
    }
    if (fed.status === 'rejected') {
      await this.delete(key).catch(() => undefined);
      throw this.failure(fed.reason);
    }
    return { key, ...digest.result() };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectName(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (this.isMissing(error)) throw blobMissing(key, error);
      throw this.failure(error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectName(key) }));
    } catch (error) {
      if (this.isMissing(error)) return;
      throw this.failure(error);
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const source = `${this.bucket}/${objectName(from)}`;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectName(from) }));
      const size = head.ContentLength ?? 0;
      if (size <= this.tuning.copyPartBytes) {
        await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: objectName(to), CopySource: source }));
        return;
      }
      const uploadId = await this.startMultipart(to);
      try {
        const parts: { PartNumber: number; ETag: string }[] = [];
        for (let start = 0, partNumber = 1; start < size; start += this.tuning.copyPartBytes, partNumber++) {
          const end = Math.min(start + this.tuning.copyPartBytes, size) - 1;
          const copied = await this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: objectName(to),
              UploadId: uploadId,
              PartNumber: partNumber,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          parts.push({ PartNumber: partNumber, ETag: copied.CopyPartResult?.ETag ?? '' });
        }
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: objectName(to),
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      } catch (error) {
        await this.abortMultipart(to, uploadId).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (this.isMissing(error)) throw blobMissing(from, error);
      throw this.failure(error);
    }
  }

  async *list(): AsyncIterable<BlobListing> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: PREFIX, ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (error) {
        throw this.failure(error);
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(PREFIX.length) ?? '';
        if (object.Key?.startsWith(PREFIX) && isBlobKey(key)) {
          yield { key, size: object.Size ?? 0, modifiedAt: object.LastModified?.getTime() ?? 0 };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async removeAbandonedWrites(startedBefore: number): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: PREFIX,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || (upload.Initiated?.getTime() ?? 0) >= startedBefore) continue;
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }),
          );
          removed++;
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      throw this.failure(error);
    }
    return removed;
  }

  async startMultipart(key: string): Promise<string> {
    try {
      const started = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: objectName(key) }));
      if (!started.UploadId) throw new Error('the store gave no upload id');
      return started.UploadId;
    } catch (error) {
      throw this.failure(error);
    }
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<UploadedPart> {
    assertPartNumber(partNumber);
    const counted = new ContentDigest(size);
    // A body that fails (too long, a client gone) must end the request too, or the store would wait for the rest.
    const cancel = new AbortController();
    const feeding = pipeline(body, counted).catch((error: unknown) => {
      cancel.abort();
      throw error;
    });
    const [fed, sent] = await Promise.allSettled([
      feeding,
      this.client
        .send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: objectName(key),
            UploadId: uploadId,
            PartNumber: partNumber,
            ContentLength: size,
            Body: counted,
          }),
          // The body comes from a client at its own pace: no deadline for the answer (the HTTP edge limits slow bodies).
          { requestTimeout: 0, abortSignal: cancel.signal },
        )
        .catch((error: unknown) => {
          counted.destroy(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }),
    ]);
    if (fed.status === 'rejected' && isSesameError(fed.reason, 'QUOTA_EXCEEDED')) throw partSizeMismatch('more', size);
    if (sent.status === 'rejected') {
      if (sdkError(sent.reason)?.name === 'NoSuchUpload') throw new SesameError('FILE_NOT_FOUND', 'There is no such upload.');
      throw this.failure(fed.status === 'rejected' && fed.reason !== sent.reason ? fed.reason : sent.reason);
    }
    if (fed.status === 'rejected') throw this.failure(fed.reason);
    if (counted.bytesSeen !== size) throw partSizeMismatch(counted.bytesSeen, size);
    return { partNumber, etag: sent.value.ETag ?? '', size };
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<StoredBlob> {
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: objectName(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: ordered.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      );
    } catch (error) {
      const name = sdkError(error)?.name;
      if (name === 'InvalidPart' || name === 'InvalidPartOrder') throw missingPart(ordered[0]?.partNumber ?? 1);
      if (name === 'NoSuchUpload') throw new SesameError('FILE_NOT_FOUND', 'There is no such upload.');
      throw this.failure(error);
    }
    // The store joins the parts itself; the checksums of the whole need one streamed read of it.
    const digest = new ContentDigest();
    await pipeline(await this.get(key), digest, new Writable({ write: (_chunk, _encoding, done) => done() }));
    return { key, ...digest.result() };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectName(key), UploadId: uploadId }));
    } catch (error) {
      if (sdkError(error)?.name === 'NoSuchUpload') return;
      throw this.failure(error);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
