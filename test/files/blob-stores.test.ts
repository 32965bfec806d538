// The two blob stores behind one interface (src/files/blobs): the local
// disk and S3 on a real Ceph RADOS Gateway, put to the same tests. Bytes
// and checksums round-trip, ranges go through, a limit or a failed body
// leaves nothing, multipart writes join their parts, abandoned writes are
// removed, listing shows what exists, and a 2 GiB put or get keeps the
// process's memory flat. Failures the HTTP edge answers 503 or 507 come
// back as typed errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isSesameError, type SesameError } from '../../src/errors.js';
import { newBlobKey, type BlobStore } from '../../src/files/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/files/blobs/local-blob-store.js';
import { S3BlobStore } from '../../src/files/blobs/s3-blob-store.js';
import type { CephGateway } from '../helpers/ceph-cluster.js';
import { createBucketWithQuota, createTestBucket, startPrivateGateway } from '../helpers/s3.js';
import { tempDir } from '../helpers/server.js';
import { STORE_KINDS, freshStore } from '../helpers/blob-stores.js';

const MiB = 1024 * 1024;

function digestOf(bytes: Buffer) {
  return {
    size: bytes.length,
    sha1: crypto.createHash('sha1').update(bytes).digest('hex'),
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  };
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keysOf(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of store.list()) keys.push(blob.key);
  return keys.sort();
}

/** A body that sends `bytes`, then fails as a client that goes away does. */
function failingBody(bytes: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield bytes;
      throw new Error('client gone');
    })(),
  );
}

async function rejectsWith(promise: Promise<unknown>, code: Parameters<typeof isSesameError>[1]): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSesameError(error, code), `expected ${code}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

for (const kind of STORE_KINDS) {
  describe(`${kind} blob store`, () => {
    let store: BlobStore;
    before(async () => {
      store = await freshStore(kind);
    });
    after(() => store.close());

    it('stores a body and returns its size, SHA-1 and SHA-256, computed while it streamed', async () => {
      const bytes = crypto.randomBytes(300_000);
      const key = newBlobKey();
      const stored = await store.put(key, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
      assert.deepEqual(stored, { key, ...digestOf(bytes) });
      assert.deepEqual(await read(await store.get(key)), bytes);
    });

    it('reads one byte range (inclusive), as HTTP Range asks', async () => {
      const bytes = crypto.randomBytes(10_000);
      const key = newBlobKey();
      await store.put(key, Readable.from([bytes]));
      assert.deepEqual(await read(await store.get(key, { start: 100, end: 199 })), bytes.subarray(100, 200));
      assert.deepEqual(await read(await store.get(key, { start: 9_999, end: 9_999 })), bytes.subarray(9_999));
    });

    it('answers BLOB_MISSING for a key it does not hold, and deleting it twice is no error', async () => {
      const key = newBlobKey();
      await store.put(key, Readable.from([Buffer.from('x')]));
      await store.delete(key);
      await store.delete(key);
      await rejectsWith(store.get(key), 'BLOB_MISSING');
    });

    it('refuses a key that is not one of its own (no name ever reaches a path or an object name)', async () => {
      await assert.rejects(store.put('../../etc/passwd', Readable.from([Buffer.from('x')])), /not a blob key/);
      await assert.rejects(store.get('A'.repeat(32)), /not a blob key/);
    });

    it('copies a blob to a new key inside the store', async () => {
      const bytes = crypto.randomBytes(50_000);
      const [from, to] = [newBlobKey(), newBlobKey()];
      await store.put(from, Readable.from([bytes]));
      await store.copy(from, to);
      await store.delete(from);
      assert.deepEqual(await read(await store.get(to)), bytes);
    });

    it('lists what it holds, with sizes, and nothing it deleted', async () => {
      const empty = await freshStore(kind);
      try {
        const [a, b] = [newBlobKey(), newBlobKey()];
        await empty.put(a, Readable.from([Buffer.alloc(10)]));
        await empty.put(b, Readable.from([Buffer.alloc(20)]));
        await empty.delete(a);
        const listed = [];
        for await (const blob of empty.list()) listed.push(blob);
        assert.deepEqual(
          listed.map(({ key, size }) => ({ key, size })),
          [{ key: b, size: 20 }],
        );
        assert.ok(Math.abs(listed[0]!.modifiedAt - Date.now()) < 60_000);
      } finally {
        empty.close();
      }
    });

    it('stops a body past its byte limit with QUOTA_EXCEEDED and keeps nothing of it', async () => {
      const empty = await freshStore(kind);
      try {
        const key = newBlobKey();
        await rejectsWith(
          empty.put(key, Readable.from([crypto.randomBytes(20 * MiB)]), { maxBytes: 10 * MiB }),
          'QUOTA_EXCEEDED',
        );
        await rejectsWith(empty.get(key), 'BLOB_MISSING');
        assert.deepEqual(await keysOf(empty), []);
        // A limit the body stays within changes nothing.
        await empty.put(key, Readable.from([Buffer.alloc(10)]), { maxBytes: 10 });
      } finally {
        empty.close();
      }
    });

    it('keeps nothing of a body that fails midway (a client gone), small or larger than a part', async () => {
      const empty = await freshStore(kind);
      try {
        for (const size of [1000, 20 * MiB]) {
          const key = newBlobKey();
          await assert.rejects(empty.put(key, failingBody(crypto.randomBytes(size))), /client gone/);
          await rejectsWith(empty.get(key), 'BLOB_MISSING');
        }
        assert.deepEqual(await keysOf(empty), []);
        // The parts of an S3 multipart write that was cut off are abandoned writes: removed once old enough.
        await empty.removeAbandonedWrites(Date.now() + 60_000);
      } finally {
        empty.close();
      }
    });

    it('joins a multipart write in part-number order, whatever the order the parts came in, with the checksums of the whole', async () => {
      const key = newBlobKey();
      const first = crypto.randomBytes(5 * MiB);
      const second = crypto.randomBytes(5 * MiB);
      const last = crypto.randomBytes(1234);
      const uploadId = await store.startMultipart(key);
      const parts = [
        await store.putPart(key, uploadId, 3, Readable.from([last]), last.length),
        await store.putPart(key, uploadId, 1, Readable.from([crypto.randomBytes(5 * MiB)]), 5 * MiB),
        // Sending a part number again replaces that part.
        await store.putPart(key, uploadId, 1, Readable.from([first]), first.length),
        await store.putPart(key, uploadId, 2, Readable.from([second]), second.length),
      ];
      const whole = Buffer.concat([first, second, last]);
      const stored = await store.completeMultipart(key, uploadId, [parts[2]!, parts[3]!, parts[0]!]);
      assert.deepEqual(stored, { key, ...digestOf(whole) });
      assert.deepEqual(digestOf(await read(await store.get(key))), digestOf(whole));
    });

    it('refuses a part whose body is shorter or longer than announced', async () => {
      const key = newBlobKey();
      const uploadId = await store.startMultipart(key);
      try {
        await rejectsWith(store.putPart(key, uploadId, 1, Readable.from([Buffer.alloc(200)]), 100), 'VALIDATION_FAILED');
      } finally {
        await store.abortMultipart(key, uploadId);
      }
    });

    it('removes multipart writes started before a time and never finished, and keeps newer ones', async () => {
      const empty = await freshStore(kind);
      try {
        const key = newBlobKey();
        const uploadId = await empty.startMultipart(key);
        await empty.putPart(key, uploadId, 1, Readable.from([Buffer.alloc(1000)]), 1000);
        assert.equal(await empty.removeAbandonedWrites(Date.now() - 60_000), 0);
        assert.equal(await empty.removeAbandonedWrites(Date.now() + 60_000), 1);
        await assert.rejects(empty.completeMultipart(key, uploadId, [{ partNumber: 1, etag: 'x', size: 1000 }]));
        assert.deepEqual(await keysOf(empty), []);
      } finally {
        empty.close();
      }
    });

    it('streams a 2 GiB put and get with under 100 MB of memory growth', { timeout: 10 * 60_000 }, async () => {
      const size = 2048 * MiB;
      const chunk = crypto.randomBytes(MiB);
      const expected = crypto.createHash('sha256');
      for (let i = 0; i < size / MiB; i++) expected.update(chunk);
      const expectedSha256 = expected.digest('hex');
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const key = newBlobKey();
      try {
        const body = Readable.from(
          (function* () {
            for (let i = 0; i < size / MiB; i++) yield chunk;
          })(),
        );
        const stored = await store.put(key, body);
        assert.equal(stored.size, size);
        assert.equal(stored.sha256, expectedSha256);
        const check = crypto.createHash('sha256');
        await pipeline(
          await store.get(key),
          new Writable({
            write(data: Buffer, _encoding, done) {
              check.update(data);
              done();
            },
          }),
        );
        assert.equal(check.digest('hex'), expectedSha256);
      } finally {
        clearInterval(sampler);
        await store.delete(key);
      }
      const growthMiB = (peak - base) / MiB;
      assert.ok(growthMiB < 100, `RSS grew by ${growthMiB.toFixed(1)} MiB`);
    });
  });
}

describe('local blob store on disk', () => {
  it('keeps each blob as a private file named by its key alone, two folder levels deep', async () => {
    const dir = path.join(tempDir(), 'blobs');
    const store = new LocalBlobStore(dir);
    const key = newBlobKey();
    await store.put(key, Readable.from([Buffer.from('hello')]));
    const file = path.join(dir, key.slice(0, 2), key.slice(2, 4), key);
    assert.equal(fs.readFileSync(file, 'utf8'), 'hello');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.join(dir, '.partial')), []);
  });

  it('removes temporary files no write has touched since a time, and keeps those still being written', async () => {
    const dir = path.join(tempDir(), 'blobs');
    const store = new LocalBlobStore(dir);
    const stale = path.join(dir, '.partial', 'a'.repeat(32));
    const fresh = path.join(dir, '.partial', 'b'.repeat(32));
    fs.writeFileSync(stale, 'left by a crash');
    fs.writeFileSync(fresh, 'being written');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    assert.equal(await store.removeAbandonedWrites(Date.now() - 60_000), 1);
    assert.deepEqual(fs.readdirSync(path.join(dir, '.partial')), ['b'.repeat(32)]);
  });

  it('answers BLOB_STORE_FULL when the disk is full, and leaves no partial file behind', async (t) => {
    assert.equal(process.getuid?.(), 0, 'this test mounts a small tmpfs: run the suite as root (as CI does)');
    const mountPoint = tempDir('sesame-full-');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mountPoint]);
    t.after(() => execFileSync('umount', [mountPoint]));
    const store = new LocalBlobStore(path.join(mountPoint, 'blobs'));
    const kept = newBlobKey();
    await store.put(kept, Readable.from([Buffer.alloc(1000, 1)]));
    const error = await rejectsWith(store.put(newBlobKey(), Readable.from([crypto.randomBytes(4 * MiB)])), 'BLOB_STORE_FULL');
    assert.equal((error as { status: number }).status, 507);
    assert.deepEqual(fs.readdirSync(path.join(mountPoint, 'blobs', '.partial')), []);
    assert.deepEqual(await read(await store.get(kept)), Buffer.alloc(1000, 1));
  });
});

describe('S3 blob store when the store fails', () => {
  it('answers STORAGE_UNAVAILABLE (with a Retry-After, naming the store, never the key) while the gateway is down, and works again once it is back', async () => {
    const gateway = await startPrivateGateway();
    const port = Number(new URL(gateway.endpoint).port);
    const config = await createTestBucket(gateway.endpoint);
    const store = new S3BlobStore(config, { maxAttempts: 2 });
    let back: CephGateway | undefined;
    try {
      const key = newBlobKey();
      await store.put(key, Readable.from([Buffer.from('before')]));
      await gateway.stop();
      const failed = (await rejectsWith(store.get(key), 'STORAGE_UNAVAILABLE')) as SesameError;
      assert.equal(failed.status, 503);
      assert.ok(failed.retryAfter !== undefined && failed.retryAfter > 0);
      assert.match(failed.message, new RegExp(`S3 bucket ${config.bucket} at ${gateway.endpoint}`));
      assert.ok(!failed.message.includes(config.credentials!.secretAccessKey));
      assert.ok(!failed.message.includes(config.credentials!.accessKeyId));
      await rejectsWith(store.put(newBlobKey(), Readable.from([Buffer.from('during')])), 'STORAGE_UNAVAILABLE');

      back = await startPrivateGateway(port);
      assert.equal((await read(await store.get(key))).toString(), 'before');
      const after = newBlobKey();
      await store.put(after, Readable.from([Buffer.from('after')]));
      assert.equal((await read(await store.get(after))).toString(), 'after');
    } finally {
      store.close();
      await gateway.stop();
      await back?.stop();
    }
  });

  it('answers STORAGE_UNAVAILABLE in bounded time when the gateway accepts connections but answers nothing', async () => {
    const gateway = await startPrivateGateway();
    const store = new S3BlobStore(await createTestBucket(gateway.endpoint), { answerTimeoutMs: 1_000, maxAttempts: 1 });
    try {
      const key = newBlobKey();
      await store.put(key, Readable.from([Buffer.from('kept')]));
      gateway.pause();
      const started = Date.now();
      await rejectsWith(store.get(key), 'STORAGE_UNAVAILABLE');
      await rejectsWith(store.put(newBlobKey(), Readable.from([Buffer.from('x')])), 'STORAGE_UNAVAILABLE');
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      gateway.resume();
      assert.equal((await read(await store.get(key))).toString(), 'kept');
    } finally {
      gateway.resume();
      store.close();
      await gateway.stop();
    }
  });

  it('answers BLOB_STORE_FULL when the store refuses the bytes (its quota), and keeps what it had', async () => {
    const store = new S3BlobStore(await createBucketWithQuota(1024 * 1024));
    try {
      const kept = newBlobKey();
      await store.put(kept, Readable.from([Buffer.alloc(1000, 7)]));
      const error = await rejectsWith(store.put(newBlobKey(), Readable.from([crypto.randomBytes(4 * MiB)])), 'BLOB_STORE_FULL');
      assert.equal((error as SesameError).status, 507);
      assert.deepEqual(await read(await store.get(kept)), Buffer.alloc(1000, 7));
    } finally {
      store.close();
    }
  });
});
