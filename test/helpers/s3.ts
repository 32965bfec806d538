/**
 * The test run's S3 store (Ceph RADOS Gateway, started by test/run.ts):
 * its credentials from SESAME_TEST_S3_URL, a fresh bucket per test, and a
 * gateway of a test's own on the same cluster for stopping or pausing it.
 */
import crypto from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../src/config/config.js';
import { startCephGateway, type CephGateway, type S3Credentials } from './ceph-cluster.js';

export function testS3(): S3Credentials {
  const raw = process.env.SESAME_TEST_S3_URL;
  if (!raw) throw new Error('SESAME_TEST_S3_URL is not set: run the suite with `npm test`, which starts Ceph (RADOS Gateway).');
  const url = new URL(raw);
  return {
    endpoint: url.origin,
    accessKeyId: decodeURIComponent(url.username),
    secretAccessKey: decodeURIComponent(url.password),
  };
}

export function testCephConf(): string {
  const conf = process.env.SESAME_TEST_CEPH_CONF;
  if (!conf) throw new Error('SESAME_TEST_CEPH_CONF is not set: run the suite with `npm test`, which starts Ceph.');
  return conf;
}

/** Creates an empty bucket and returns the configuration of a store on it (at `endpoint`, the run's gateway by default). */
export async function createTestBucket(endpoint = testS3().endpoint): Promise<S3Config> {
  const { accessKeyId, secretAccessKey } = testS3();
  const bucket = `sesame-${crypto.randomBytes(6).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    kind: 's3',
    endpoint: new URL(endpoint),
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    forcePathStyle: true,
  };
}

/** A gateway of the test's own on the run's cluster (same buckets), to stop or pause without disturbing other tests. */
export function startPrivateGateway(port?: number): Promise<CephGateway> {
  return startCephGateway(testCephConf(), port === undefined ? {} : { port });
}

/**
 * A bucket owned by a new gateway user whose quota allows `maxBytes` in all:
 * a store that refuses writes, as a full one does.
 */
export async function createBucketWithQuota(maxBytes: number): Promise<S3Config> {
  const { execFileSync } = await import('node:child_process');
  const conf = testCephConf();
  const uid = `quota-${crypto.randomBytes(6).toString('hex')}`;
  const accessKeyId = `Q${crypto.randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = crypto.randomBytes(24).toString('base64url');
  const admin = (...args: string[]) => execFileSync('radosgw-admin', ['-c', conf, ...args], { stdio: 'pipe' });
  admin(
    'user',
    'create',
    `--uid=${uid}`,
    '--display-name=quota',
    `--access-key=${accessKeyId}`,
    `--secret-key=${secretAccessKey}`,
  );
  admin('quota', 'set', '--quota-scope=user', `--uid=${uid}`, `--max-size=${maxBytes}`);
  admin('quota', 'enable', '--quota-scope=user', `--uid=${uid}`);
  const endpoint = testS3().endpoint;
  const bucket = `sesame-${crypto.randomBytes(6).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    kind: 's3',
    endpoint: new URL(endpoint),
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    forcePathStyle: true,
  };
}
