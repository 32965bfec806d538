/**
 * Blob stores for tests, one of each kind: the local disk in a fresh
 * directory, or S3 on a fresh bucket of the run's Ceph RADOS Gateway.
 */
import path from 'node:path';
import type { BlobStore } from '../../src/files/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/files/blobs/local-blob-store.js';
import { S3BlobStore } from '../../src/files/blobs/s3-blob-store.js';
import { createTestBucket } from './s3.js';
import { tempDir } from './server.js';

export const STORE_KINDS = ['local', 's3'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export async function freshStore(kind: StoreKind): Promise<BlobStore> {
  return kind === 'local' ? new LocalBlobStore(path.join(tempDir(), 'blobs')) : new S3BlobStore(await createTestBucket());
}
