// Checks the test Ceph cluster helper (test/helpers/ceph-cluster.ts): the
// runner's cluster answers S3 with the credentials it exported; a cluster
// starts within a bound (its time is printed, stage by stage) and stop()
// leaves no daemon running; a gateway that cannot start says which one and
// why, at once rather than at the deadline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { runningCephDaemons, startCephCluster, startCephGateway } from './ceph-cluster.js';
import { testCephConf, testS3 } from './s3.js';

test('the run’s Ceph RADOS Gateway answers S3 with the exported credentials', async () => {
  const { endpoint, accessKeyId, secretAccessKey } = testS3();
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  try {
    const Bucket = `sesame-check-${process.pid}-${Date.now()}`;
    await client.send(new CreateBucketCommand({ Bucket }));
    await client.send(new DeleteBucketCommand({ Bucket }));
  } finally {
    client.destroy();
  }
});

test('a cluster starts in under 20 s and stop() leaves none of its daemons running', { timeout: 90_000 }, async (t) => {
  const started = Date.now();
  const cluster = await startCephCluster();
  const ms = Date.now() - started;
  t.diagnostic(`Ceph cluster up in ${ms} ms: ${JSON.stringify(cluster.timings)}`);
  try {
    assert.ok(ms < 20_000, `took ${ms} ms`);
    assert.equal(runningCephDaemons(cluster.conf).length, 3, 'monitor, OSD and gateway');
  } finally {
    await cluster.stop();
  }
  assert.deepEqual(runningCephDaemons(cluster.conf), []);
});

test('a gateway whose port is taken fails at once, naming the gateway and showing its log', async () => {
  const taken = http.createServer((_req, res) => res.writeHead(500).end());
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const started = Date.now();
  try {
    await assert.rejects(startCephGateway(testCephConf(), { port, timeoutMs: 20_000 }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`RADOS Gateway \\(radosgw client\\.rgw\\.g${port}\\) on http://127\\.0\\.0\\.1:${port}`),
      );
      assert.match(error.message, /tail of/);
      return true;
    });
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  } finally {
    taken.close();
  }
});
