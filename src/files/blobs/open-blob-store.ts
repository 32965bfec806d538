/**
 * Chooses the blob store the configuration names: the local disk under
 * `<DATA_DIR>/blobs` (the default), or the S3-compatible bucket of S3_*.
 */
import path from 'node:path';
import type { Config } from '../../config/config.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore, type S3StoreTuning } from './s3-blob-store.js';

export function blobsDirectory(dataDir: string): string {
  return path.join(dataDir, 'blobs');
}

export function openBlobStore(config: Pick<Config, 'dataDir' | 'blobStore'>, s3Tuning?: Partial<S3StoreTuning>): BlobStore {
  return config.blobStore.kind === 's3'
    ? new S3BlobStore(config.blobStore, s3Tuning)
    : new LocalBlobStore(blobsDirectory(config.dataDir));
}
