// The blob sweeper (src/files/namespace/blob-sweeper.ts) on SQLite and
// PostgreSQL, over the local-disk and the S3 (Ceph RGW) stores: what a
// process killed in the middle of an upload left is removed once its lease
// has passed; replaced and deleted content goes after its grace period,
// content a file still uses (also through a copy) never; blobs in the store
// without a row go; and two sweepers at once remove each blob exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../src/db/database.js';
import { isSesameError } from '../../src/errors.js';
import { newBlobKey, type BlobStore } from '../../src/files/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/files/blobs/local-blob-store.js';
import { S3BlobStore } from '../../src/files/blobs/s3-blob-store.js';
import { blobsDirectory } from '../../src/files/blobs/open-blob-store.js';
import { sweepBlobs } from '../../src/files/namespace/blob-sweeper.js';
import type { Namespace } from '../../src/files/namespace/namespace.js';
import { insertWritingBlob } from '../../src/repositories/blobs.js';
import type { S3Config } from '../../src/config/config.js';
import { DIALECTS, ManualClock, createPostgresDatabase, tempDir } from '../helpers/server.js';
import { STORE_KINDS } from '../helpers/blob-stores.js';
import { createTestBucket } from '../helpers/s3.js';
import { addSpaceOwner, countingStore, newNamespace } from '../helpers/namespace.js';
import { openDatabase } from '../../src/db/database.js';

const body = (text: string) => Readable.from([Buffer.from(text)]);
const NO_QUOTA = { quotaBytes: null };
const LEASE_MS = 60_000;
const GRACE_MS = 3_600_000;
const child = fileURLToPath(new URL('../helpers/stage-child.ts', import.meta.url));

async function storedKeys(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of store.list()) keys.push(blob.key);
  return keys.sort();
}

async function readable(store: BlobStore, key: string): Promise<boolean> {
  try {
    (await store.get(key)).destroy();
    return true;
  } catch (error) {
    if (isSesameError(error, 'BLOB_MISSING')) return false;
    throw error;
  }
}

/** Starts an upload in another process and kills it with SIGKILL once 40 MiB are in the store. */
async function crashUpload(setup: object): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, SESAME_CHILD: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  proc.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('streaming')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`the uploading process ended (${code}) before it was killed:\n${errors}`)));
  });
  // Let the store receive what was sent (an S3 multipart upload's first parts).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

for (const dialect of DIALECTS) {
  for (const kind of STORE_KINDS) {
    describe(`blob sweeper on ${dialect} over the ${kind} store`, () => {
      let db: Db;
      let other: Db;
      let store: BlobStore;
      let dataDir: string;
      let databaseUrl: string | undefined;
      let s3: S3Config | undefined;
      const clock = new ManualClock(Date.now());
      let ns: Namespace;

      before(async () => {
        dataDir = tempDir();
        databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
        db = await openDatabase({ databaseUrl, dataDir });
        other = await openDatabase({ databaseUrl, dataDir });
        s3 = kind === 's3' ? await createTestBucket() : undefined;
        store = s3 ? new S3BlobStore(s3) : new LocalBlobStore(blobsDirectory(dataDir));
        ns = newNamespace(db, store, clock, { writeLeaseMs: LEASE_MS, dropGraceMs: GRACE_MS });
      });
      after(async () => {
        store.close();
        await other.destroy();
        await db.destroy();
      });

      const sweep = (options = {}) => sweepBlobs({ db, blobs: store, clock }, options);

      it(
        'removes what an upload killed with SIGKILL left, once its lease has passed, and nothing before',
        { timeout: 120_000 },
        async () => {
          const before = await storedKeys(store);
          await crashUpload({ databaseUrl, dataDir, blobStore: s3 ?? { kind: 'local' }, writeLeaseMs: LEASE_MS });
          const writing = await db.selectFrom('blobs').selectAll().where('state', '=', 'writing').execute();
          assert.equal(writing.length, 1, 'the crashed upload is recorded');
          if (kind === 'local') {
            assert.equal(fs.readdirSync(path.join(blobsDirectory(dataDir), '.partial')).length, 1, 'a partial file is left');
          }

          clock.current = Date.now();
          assert.deepEqual(await sweep({ orphans: true }), { abandoned: 0, unreferenced: 0, orphans: 0, partialWrites: 0 });
          assert.equal((await db.selectFrom('blobs').selectAll().where('state', '=', 'writing').execute()).length, 1);

          clock.current = Date.now() + LEASE_MS + 1;
          const report = await sweep({ orphans: true, partialWriteGraceMs: 0 });
          assert.equal(report.abandoned, 1);
          assert.ok(report.partialWrites >= 1, `partial writes removed: ${report.partialWrites}`);
          assert.equal((await db.selectFrom('blobs').selectAll().where('state', '=', 'writing').execute()).length, 0);
          assert.deepEqual(await storedKeys(store), before);
          assert.equal(await store.removeAbandonedWrites(clock.now()), 0, 'no partial write left');
          if (kind === 'local') assert.deepEqual(fs.readdirSync(path.join(blobsDirectory(dataDir), '.partial')), []);
        },
      );

      it('removes replaced and deleted content after the grace period, and never content a file (or its copy) still uses', async () => {
        clock.current = Date.now();
        const space = await addSpaceOwner(db);
        const old = (await ns.writeFile(space, ['f'], body('old'), NO_QUOTA)).node;
        const current = (await ns.writeFile(space, ['f'], body('new'), NO_QUOTA)).node;
        const shared = (await ns.writeFile(space, ['g'], body('shared'), NO_QUOTA)).node;
        await ns.copy(space, ['g'], ['h'], { overwrite: false, ...NO_QUOTA });
        await ns.remove(space, ['g']);

        assert.equal((await sweep()).unreferenced, 0, 'nothing within the grace period');
        assert.ok(await readable(store, old.blobKey!), 'a download under way can still read the old content');

        clock.advance(GRACE_MS + 1);
        const report = await sweep();
        assert.equal(report.unreferenced, 1);
        assert.equal(await readable(store, old.blobKey!), false);
        assert.ok(await readable(store, current.blobKey!));
        assert.ok(await readable(store, shared.blobKey!), 'the copy still uses it');

        await ns.remove(space, ['h']);
        clock.advance(GRACE_MS + 1);
        assert.equal((await sweep()).unreferenced, 1);
        assert.equal(await readable(store, shared.blobKey!), false);
        assert.equal((await sweep()).unreferenced, 0);
      });

      it('removes blobs the store holds without a row, and keeps those with one', async () => {
        const orphan = newBlobKey();
        await store.put(orphan, body('nobody knows me'));
        const space = await addSpaceOwner(db);
        const kept = (await ns.writeFile(space, ['k'], body('known'), NO_QUOTA)).node;
        const report = await sweep({ orphans: true });
        assert.equal(report.orphans, 1);
        assert.equal(await readable(store, orphan), false);
        assert.ok(await readable(store, kept.blobKey!));
      });

      it('lets two sweepers at once (two database handles) remove each blob exactly once', { timeout: 120_000 }, async () => {
        clock.current = Date.now();
        const space = await addSpaceOwner(db);
        const replaced: string[] = [];
        for (let i = 0; i < 30; i++) {
          replaced.push((await ns.writeFile(space, [`f${i}`], body(`first ${i}`), NO_QUOTA)).node.blobKey!);
          await ns.writeFile(space, [`f${i}`], body(`second ${i}`), NO_QUOTA);
        }
        const abandoned: string[] = [];
        for (let i = 0; i < 10; i++) {
          const key = newBlobKey();
          await insertWritingBlob(db, key, clock.now(), clock.now() + LEASE_MS);
          await store.put(key, body(`crashed ${i}`));
          abandoned.push(key);
        }
        clock.advance(GRACE_MS + 1);
        const [one, two] = [countingStore(store), countingStore(store)];
        const reports = await Promise.all([
          sweepBlobs({ db, blobs: one, clock }, { batch: 7 }),
          sweepBlobs({ db: other, blobs: two, clock }, { batch: 7 }),
        ]);
        assert.equal(reports[0]!.unreferenced + reports[1]!.unreferenced, 30);
        assert.equal(reports[0]!.abandoned + reports[1]!.abandoned, 10);
        assert.equal(one.calls.delete + two.calls.delete, 40, 'each blob removed once');
        for (const key of [...replaced, ...abandoned]) assert.equal(await readable(store, key), false);
        for (let i = 0; i < 30; i++) {
          const node = (await ns.resolve(space, [`f${i}`]))!;
          assert.ok(await readable(store, node.blobKey!), `f${i} keeps its content`);
        }
      });
    });
  }
}
