// The files' namespace (src/files/namespace/namespace.ts) on SQLite and
// PostgreSQL, over the local-disk and the S3 (Ceph RGW) blob stores: ids
// that survive overwrite, rename and move; content that appears whole;
// folder sizes and ETags kept by every write above it; usage as one
// counter; dead properties and locks that belong to their node; a MOVE of
// 10 000 files that touches no blob; names refused by the rules.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { isSesameError, SesameError, type ErrorCode } from '../../src/errors.js';
import type { Db } from '../../src/db/database.js';
import type { BlobStore } from '../../src/files/blobs/blob-store.js';
import type { Namespace } from '../../src/files/namespace/namespace.js';
import { DIALECTS, ManualClock } from '../helpers/server.js';
import { STORE_KINDS, freshStore } from '../helpers/blob-stores.js';
import {
  addSpaceOwner,
  checkSpaceInvariants,
  countingStore,
  newNamespace,
  openTestDatabase,
  type TestDatabase,
} from '../helpers/namespace.js';

const body = (text: string | Buffer) => Readable.from([Buffer.from(text)]);
const NO_QUOTA = { quotaBytes: null };

async function text(ns: Namespace, space: string, path: string[]): Promise<string> {
  const node = await ns.resolve(space, path);
  assert.ok(node, `${path.join('/')} exists`);
  const chunks: Buffer[] = [];
  for await (const chunk of await ns.read(node)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function refusal(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSesameError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

for (const dialect of DIALECTS) {
  for (const kind of STORE_KINDS) {
    describe(`namespace on ${dialect} over the ${kind} blob store`, () => {
      let testDb: TestDatabase;
      let db: Db;
      let second: Namespace;
      let secondDb: Db;
      let store: BlobStore;
      let counted: ReturnType<typeof countingStore>;
      const clock = new ManualClock();
      let ns: Namespace;
      let space: string;

      before(async () => {
        testDb = await openTestDatabase(dialect);
        db = testDb.db;
        store = await freshStore(kind);
        counted = countingStore(store);
        ns = newNamespace(db, counted, clock);
        // Another connection to the same database: another server process, or another node.
        secondDb = await testDb.another();
        second = newNamespace(secondDb, counted, clock);
      });
      after(async () => {
        store.close();
        await secondDb.destroy();
        await db.destroy();
      });

      // Each test works in a space of its own.
      const newSpace = async () => (space = await addSpaceOwner(db));

      it('writes a file whose content, size and checksums read back, and counts it in the usage', async () => {
        await newSpace();
        const bytes = crypto.randomBytes(70_000);
        const { node, created } = await ns.writeFile(space, ['a.bin'], body(bytes), NO_QUOTA);
        assert.equal(created, true);
        assert.equal(node.size, bytes.length);
        assert.equal(node.sha1, crypto.createHash('sha1').update(bytes).digest('hex'));
        assert.equal(node.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
        assert.deepEqual(await ns.resolve(space, ['a.bin']), node);
        assert.equal(await ns.usage(space), bytes.length);
        assert.equal(await checkSpaceInvariants(db, space), bytes.length);
        const range = [];
        for await (const chunk of await ns.read(node, { start: 10, end: 19 })) range.push(chunk as Buffer);
        assert.deepEqual(Buffer.concat(range), bytes.subarray(10, 20));
      });

      it('overwrites keeping the id and properties, with a new ETag, the usage moved by the difference', async () => {
        await newSpace();
        const first = (await ns.writeFile(space, ['f.txt'], body('one'), NO_QUOTA)).node;
        await ns.changeProperties(space, first.id, [{ kind: 'set', property: { namespace: 'urn:x', name: 'p', value: 'v' } }]);
        const { node, created } = await ns.writeFile(space, ['f.txt'], body('three'), NO_QUOTA);
        assert.equal(created, false);
        assert.equal(node.id, first.id);
        assert.notEqual(node.etag, first.etag);
        assert.equal(await text(ns, space, ['f.txt']), 'three');
        assert.equal(await ns.usage(space), 5);
        assert.deepEqual(await ns.properties([node.id]), new Map([[node.id, [{ namespace: 'urn:x', name: 'p', value: 'v' }]]]));
        // The blob it replaced is left for the sweeper, after a grace for downloads under way.
        const checks = await db.selectFrom('blob_checks').select('blob_key').execute();
        assert.ok(checks.some((row) => row.blob_key === first.blobKey));
      });

      it('stores an empty file without a blob', async () => {
        await newSpace();
        const before = counted.calls.put;
        const { node } = await ns.writeFile(space, ['empty'], Readable.from([]), NO_QUOTA);
        assert.equal(node.blobKey, null);
        assert.equal(node.size, 0);
        assert.equal(node.sha1, 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
        assert.equal(await text(ns, space, ['empty']), '');
        assert.equal(counted.calls.put, before + 1, 'the body is streamed once to learn it is empty');
        assert.equal((await db.selectFrom('blobs').selectAll().where('state', '=', 'writing').execute()).length, 0);
      });

      it('changes the ETag and size of every folder above a write, and of no other', async () => {
        await newSpace();
        for (const path of [['a'], ['a', 'b'], ['a', 'b', 'c'], ['other']]) await ns.createFolder(space, path);
        const before = new Map(
          await Promise.all(
            [[], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['other']].map(
              async (p) => [p.join('/'), (await ns.resolve(space, p))!] as const,
            ),
          ),
        );
        await ns.writeFile(space, ['a', 'b', 'c', 'deep.txt'], body('12345'), NO_QUOTA);
        for (const path of ['', 'a', 'a/b', 'a/b/c']) {
          const now = (await ns.resolve(space, path === '' ? [] : path.split('/')))!;
          assert.notEqual(now.etag, before.get(path)!.etag, `${path || '/'} has a new ETag`);
          assert.equal(now.size, 5, `${path || '/'} counts the file`);
        }
        assert.equal((await ns.resolve(space, ['other']))!.etag, before.get('other')!.etag);
        await checkSpaceInvariants(db, space);
      });

      it('lists a folder by name, and finds nothing where nothing is', async () => {
        await newSpace();
        await ns.createFolder(space, ['docs']);
        for (const name of ['b.txt', 'a.txt', 'C.txt']) await ns.writeFile(space, ['docs', name], body(name), NO_QUOTA);
        await ns.createFolder(space, ['docs', 'sub']);
        const docs = (await ns.resolve(space, ['docs']))!;
        assert.deepEqual(
          (await ns.list(docs)).map((node) => [node.name, node.kind]),
          [
            ['C.txt', 'file'],
            ['a.txt', 'file'],
            ['b.txt', 'file'],
            ['sub', 'folder'],
          ],
        );
        assert.equal(await ns.resolve(space, ['docs', 'nope']), null);
        assert.equal(await ns.resolve(space, ['docs', 'a.txt', 'below-a-file']), null);
        const found = await ns.lookup(space, ['docs', 'new.txt']);
        assert.equal(found.node, null);
        assert.equal(found.parent?.id, docs.id);
      });

      it('refuses what the path does not allow: a missing folder, a file as folder, a folder in the way, an existing folder', async () => {
        await newSpace();
        await ns.writeFile(space, ['file'], body('x'), NO_QUOTA);
        await ns.createFolder(space, ['folder']);
        await refusal(ns.writeFile(space, ['missing', 'x'], body('x'), NO_QUOTA), 'FILE_PARENT_MISSING');
        await refusal(ns.writeFile(space, ['file', 'x'], body('x'), NO_QUOTA), 'FILE_PARENT_MISSING');
        await refusal(ns.writeFile(space, ['folder'], body('x'), NO_QUOTA), 'FILE_KIND_CONFLICT');
        await refusal(ns.createFolder(space, ['folder']), 'FILE_EXISTS');
        await refusal(ns.createFolder(space, ['missing', 'x']), 'FILE_PARENT_MISSING');
        await refusal(ns.remove(space, ['nothing']), 'FILE_NOT_FOUND');
        await refusal(ns.remove(space, []), 'FILE_KIND_CONFLICT');
      });

      it('keeps names byte for byte (NFC and NFD are two names) and refuses bidi controls, noncharacters and dot names', async () => {
        await newSpace();
        await ns.writeFile(space, ['caf\u00e9'], body('nfc'), NO_QUOTA);
        await ns.writeFile(space, ['cafe\u0301'], body('nfd'), NO_QUOTA);
        assert.equal(await text(ns, space, ['caf\u00e9']), 'nfc');
        assert.equal(await text(ns, space, ['cafe\u0301']), 'nfd');
        for (const name of [
          'cod\u202Eexe.doc',
          'a\u2066b',
          'x\uFFFE',
          'y\uFDD0',
          '\u{1FFFF}',
          '..',
          'a/b',
          'a\\b',
          'nul\u0000',
          '\uD800',
          'é'.repeat(128),
        ]) {
          await refusal(ns.writeFile(space, [name], body('x'), NO_QUOTA), 'FILE_NAME_INVALID');
          await refusal(ns.createFolder(space, [name]), 'FILE_NAME_INVALID');
        }
        await ns.writeFile(space, ['é'.repeat(127)], body('254 bytes'), NO_QUOTA);
      });

      it('renames and moves by one row: the id, ETag, content and properties stay; both sides get new sizes and ETags', async () => {
        await newSpace();
        await ns.createFolder(space, ['from']);
        await ns.createFolder(space, ['to']);
        const file = (await ns.writeFile(space, ['from', 'f.txt'], body('moved'), NO_QUOTA)).node;
        await ns.changeProperties(space, file.id, [{ kind: 'set', property: { namespace: 'urn:x', name: 'p', value: '1' } }]);
        const [fromBefore, toBefore] = [(await ns.resolve(space, ['from']))!, (await ns.resolve(space, ['to']))!];
        const { node } = await ns.move(space, ['from', 'f.txt'], ['to', 'g.txt'], { overwrite: false });
        assert.equal(node.id, file.id);
        assert.equal(node.etag, file.etag);
        assert.equal(await ns.resolve(space, ['from', 'f.txt']), null);
        assert.equal(await text(ns, space, ['to', 'g.txt']), 'moved');
        assert.equal((await ns.properties([file.id])).get(file.id)?.[0]?.value, '1');
        const [fromAfter, toAfter] = [(await ns.resolve(space, ['from']))!, (await ns.resolve(space, ['to']))!];
        assert.equal(fromAfter.size, 0);
        assert.equal(toAfter.size, 5);
        assert.notEqual(fromAfter.etag, fromBefore.etag);
        assert.notEqual(toAfter.etag, toBefore.etag);
        await checkSpaceInvariants(db, space);
      });

      it('refuses a move into itself, onto its own folder, or onto something without overwrite; with overwrite it replaces it', async () => {
        await newSpace();
        await ns.createFolder(space, ['a']);
        await ns.createFolder(space, ['a', 'b']);
        await ns.writeFile(space, ['a', 'b', 'x'], body('x'), NO_QUOTA);
        await ns.writeFile(space, ['y'], body('yy'), NO_QUOTA);
        await refusal(ns.move(space, ['a'], ['a', 'b', 'a'], { overwrite: false }), 'FILE_MOVE_INTO_ITSELF');
        await refusal(ns.move(space, ['a'], ['a'], { overwrite: true }), 'FILE_MOVE_INTO_ITSELF');
        await refusal(ns.move(space, ['a', 'b'], ['a'], { overwrite: true }), 'FILE_MOVE_INTO_ITSELF');
        await refusal(ns.copy(space, ['a'], ['a', 'b', 'copy'], { overwrite: false, ...NO_QUOTA }), 'FILE_MOVE_INTO_ITSELF');
        await refusal(ns.move(space, ['y'], ['a', 'b', 'x'], { overwrite: false }), 'FILE_EXISTS');
        await refusal(ns.move(space, ['missing'], ['z'], { overwrite: false }), 'FILE_NOT_FOUND');
        const { replaced } = await ns.move(space, ['y'], ['a', 'b', 'x'], { overwrite: true });
        assert.equal(replaced?.name, 'x');
        assert.equal(await text(ns, space, ['a', 'b', 'x']), 'yy');
        assert.equal(await checkSpaceInvariants(db, space), 2);
      });

      it('copies a folder as new rows sharing the blobs (no byte copied), with its properties, and counts it in the usage', async () => {
        await newSpace();
        await ns.createFolder(space, ['src']);
        await ns.createFolder(space, ['src', 'in']);
        const a = (await ns.writeFile(space, ['src', 'a'], body('aaa'), NO_QUOTA)).node;
        await ns.writeFile(space, ['src', 'in', 'b'], body('bb'), NO_QUOTA);
        await ns.changeProperties(space, a.id, [{ kind: 'set', property: { namespace: 'urn:x', name: 'n', value: 'kept' } }]);
        const before = counted.total();
        const { node } = await ns.copy(space, ['src'], ['dst'], { overwrite: false, ...NO_QUOTA });
        assert.equal(counted.total(), before, 'no blob operation');
        assert.equal(node.size, 5);
        const copiedA = (await ns.resolve(space, ['dst', 'a']))!;
        assert.notEqual(copiedA.id, a.id);
        assert.notEqual(copiedA.etag, a.etag);
        assert.equal(copiedA.blobKey, a.blobKey);
        assert.equal(await text(ns, space, ['dst', 'in', 'b']), 'bb');
        assert.equal((await ns.properties([copiedA.id])).get(copiedA.id)?.[0]?.value, 'kept');
        assert.equal(await checkSpaceInvariants(db, space), 10);
        // Overwriting the copy leaves the original's content alone.
        await ns.writeFile(space, ['dst', 'a'], body('changed'), NO_QUOTA);
        assert.equal(await text(ns, space, ['src', 'a']), 'aaa');
      });

      it('deletes a folder with everything below it: rows, properties and locks go, the blobs wait for the sweeper', async () => {
        await newSpace();
        await ns.createFolder(space, ['gone']);
        await ns.createFolder(space, ['gone', 'sub']);
        const f = (await ns.writeFile(space, ['gone', 'sub', 'f'], body('12'), NO_QUOTA)).node;
        await ns.writeFile(space, ['kept'], body('3'), NO_QUOTA);
        await ns.changeProperties(space, f.id, [{ kind: 'set', property: { namespace: 'urn:x', name: 'p', value: 'v' } }]);
        await ns.lock(
          space,
          ['gone', 'sub', 'f'],
          { token: `urn:uuid:${crypto.randomUUID()}`, depth: '0', scope: 'exclusive', owner: '', timeoutSeconds: 60 },
          () => {},
        );
        const deletes = counted.calls.delete;
        await ns.remove(space, ['gone']);
        assert.equal(counted.calls.delete, deletes, 'no blob removed in the request');
        assert.equal(await ns.resolve(space, ['gone']), null);
        assert.equal(await ns.usage(space), 1);
        assert.equal((await db.selectFrom('node_properties').selectAll().where('node_id', '=', f.id).execute()).length, 0);
        assert.equal((await db.selectFrom('node_locks').selectAll().where('node_id', '=', f.id).execute()).length, 0);
        const checks = await db.selectFrom('blob_checks').select('blob_key').execute();
        assert.ok(checks.some((row) => row.blob_key === f.blobKey));
        await checkSpaceInvariants(db, space);
      });

      it('refuses a write past the quota, counting what an overwrite frees, and keeps the old content', async () => {
        await newSpace();
        await ns.writeFile(space, ['a'], body('12345'), { quotaBytes: 8 });
        await refusal(ns.writeFile(space, ['b'], body('1234'), { quotaBytes: 8 }), 'QUOTA_EXCEEDED');
        await ns.writeFile(space, ['a'], body('12345678'), { quotaBytes: 8 });
        await refusal(ns.writeFile(space, ['a'], body('123456789'), { quotaBytes: 8 }), 'QUOTA_EXCEEDED');
        assert.equal(await text(ns, space, ['a']), '12345678');
        await refusal(ns.copy(space, ['a'], ['b'], { overwrite: false, quotaBytes: 8 }), 'QUOTA_EXCEEDED');
        assert.equal(await checkSpaceInvariants(db, space), 8);
        // Nothing of the refused bodies stays beside the written blob.
        assert.equal((await db.selectFrom('blobs').selectAll().where('state', '=', 'writing').execute()).length, 0);
      });

      it('commits only on the ETag asked for (If-Match), and only where nothing is (If-None-Match)', async () => {
        await newSpace();
        const first = (await ns.writeFile(space, ['c'], body('1'), NO_QUOTA)).node;
        await ns.writeFile(space, ['c'], body('2'), { ...NO_QUOTA, ifMatch: first.etag });
        await refusal(ns.writeFile(space, ['c'], body('3'), { ...NO_QUOTA, ifMatch: first.etag }), 'FILE_CHANGED');
        await refusal(ns.writeFile(space, ['c'], body('4'), { ...NO_QUOTA, ifNoneMatch: true }), 'FILE_CHANGED');
        assert.equal(await text(ns, space, ['c']), '2');
      });

      it('lets the caller refuse, under the space lock, a change the locks in force forbid, at either end of a move', async () => {
        await newSpace();
        await ns.createFolder(space, ['shared']);
        await ns.createFolder(space, ['shared', 'deep']);
        await ns.writeFile(space, ['shared', 'deep', 'doc'], body('v1'), NO_QUOTA);
        await ns.createFolder(space, ['free']);
        const token = `urn:uuid:${crypto.randomUUID()}`;
        await ns.lock(
          space,
          ['shared', 'deep', 'doc'],
          { token, depth: '0', scope: 'exclusive', owner: '', timeoutSeconds: 600 },
          () => {},
        );
        const seen: string[] = [];
        // As WebDAV does: refuse unless the request submitted the lock's token.
        const withoutToken = (covering: { token: string }[], end: string) => {
          seen.push(`${end}:${covering.length}`);
          if (covering.some((lock) => lock.token === token)) throw new SesameError('DAV_LOCKED', 'locked');
        };
        const withToken = () => {};
        await refusal(
          ns.writeFile(space, ['shared', 'deep', 'doc'], body('v2'), { ...NO_QUOTA, checkLocks: withoutToken }),
          'DAV_LOCKED',
        );
        await refusal(ns.remove(space, ['shared'], { checkLocks: withoutToken }), 'DAV_LOCKED');
        await refusal(ns.move(space, ['shared'], ['free', 'x'], { overwrite: false, checkLocks: withoutToken }), 'DAV_LOCKED');
        await refusal(ns.move(space, ['free'], ['shared'], { overwrite: true, checkLocks: withoutToken }), 'DAV_LOCKED');
        await refusal(
          ns.copy(space, ['free'], ['shared'], { overwrite: true, ...NO_QUOTA, checkLocks: withoutToken }),
          'DAV_LOCKED',
        );
        assert.deepEqual(seen, ['target:1', 'target:1', 'source:1', 'source:0', 'target:1', 'target:1']);
        assert.equal(await text(ns, space, ['shared', 'deep', 'doc']), 'v1');
        assert.ok(await ns.resolve(space, ['shared', 'deep']));
        await ns.writeFile(space, ['shared', 'deep', 'doc'], body('v2'), { ...NO_QUOTA, checkLocks: withToken });
        assert.equal(await text(ns, space, ['shared', 'deep', 'doc']), 'v2');
        // Elsewhere in the space nothing is in the way.
        await ns.createFolder(space, ['free', 'sub'], { checkLocks: withoutToken });
      });

      it('commits a chunked upload (the store joins the parts, no chunk held whole), and ends an abandoned one', async () => {
        await newSpace();
        const chunks = [crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(777)];
        const upload = await ns.startChunkedUpload();
        const parts = [];
        for (const [i, chunk] of [...chunks.entries()].reverse())
          parts.push(await ns.putChunk(upload, i + 1, body(chunk), chunk.length));
        const staged = await ns.finishChunkedUpload(upload, parts);
        const whole = Buffer.concat(chunks);
        assert.equal(staged.sha1, crypto.createHash('sha1').update(whole).digest('hex'));
        const { node } = await ns.commitContent(space, ['chunked.bin'], staged, NO_QUOTA);
        assert.equal(node.size, whole.length);
        const read: Buffer[] = [];
        for await (const chunk of await ns.read(node)) read.push(chunk as Buffer);
        assert.ok(Buffer.concat(read).equals(whole));
        assert.equal(await checkSpaceInvariants(db, space), whole.length);

        const abandoned = await ns.startChunkedUpload();
        await ns.putChunk(abandoned, 1, body('part'), 4);
        await ns.abortChunkedUpload(abandoned);
        await refusal(ns.putChunk(abandoned, 2, body('late'), 4), 'FILE_NOT_FOUND');
        assert.equal((await db.selectFrom('blobs').selectAll().where('key', '=', abandoned.key).execute()).length, 0);
      });

      it('lets one of two concurrent writes of a file win whole, through two handles on the database', async () => {
        await newSpace();
        const [x, y] = [crypto.randomBytes(300_000), crypto.randomBytes(200_000)];
        const results = await Promise.all([
          ns.writeFile(space, ['race'], body(x), NO_QUOTA),
          second.writeFile(space, ['race'], body(y), NO_QUOTA),
        ]);
        assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
        const node = (await ns.resolve(space, ['race']))!;
        const winner = node.size === x.length ? x : y;
        assert.equal(node.sha256, crypto.createHash('sha256').update(winner).digest('hex'));
        const chunks: Buffer[] = [];
        for await (const chunk of await ns.read(node)) chunks.push(chunk as Buffer);
        assert.deepEqual(Buffer.concat(chunks), winner);
        assert.equal(await checkSpaceInvariants(db, space), node.size);
        // Of two commits on the same ETag, exactly one is taken.
        const outcomes = await Promise.allSettled([
          ns.writeFile(space, ['race'], body('p'), { ...NO_QUOTA, ifMatch: node.etag }),
          second.writeFile(space, ['race'], body('q'), { ...NO_QUOTA, ifMatch: node.etag }),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
      });

      it('keeps sizes right under many concurrent writes, moves and deletes in one space', async () => {
        await newSpace();
        for (const folder of ['p', 'q', 'r']) await ns.createFolder(space, [folder]);
        const handles = [ns, second];
        const work = Array.from({ length: 24 }, (_, i) => async () => {
          const h = handles[i % handles.length]!;
          const folder = ['p', 'q', 'r'][i % 3]!;
          await h.writeFile(space, [folder, `f${i}`], body('x'.repeat(i + 1)), NO_QUOTA);
          if (i % 4 === 0) await h.move(space, [folder, `f${i}`], [['p', 'q', 'r'][(i + 1) % 3]!, `m${i}`], { overwrite: true });
          if (i % 6 === 1) await h.remove(space, [folder, `f${i}`]);
        });
        await Promise.all(work.map((w) => w()));
        await checkSpaceInvariants(db, space);
      });

      it('finds the locks that cover a path, creates an empty file for a lock on nothing, and ends locks a move leaves behind', async () => {
        await newSpace();
        await ns.createFolder(space, ['locked']);
        await ns.writeFile(space, ['locked', 'in.txt'], body('x'), NO_QUOTA);
        const token = `urn:uuid:${crypto.randomUUID()}`;
        await ns.lock(
          space,
          ['locked'],
          { token, depth: 'infinity', scope: 'exclusive', owner: '<D:href>me</D:href>', timeoutSeconds: 600 },
          (covering) => assert.deepEqual(covering, []),
        );
        const covering = await ns.locksCovering(space, ['locked', 'in.txt'], { descendants: false });
        assert.deepEqual(
          covering.map((lock) => [lock.token, lock.path]),
          [[token, ['locked']]],
        );
        assert.equal((await ns.locksCovering(space, ['locked', 'new.txt'], { descendants: false })).length, 1);
        assert.equal((await ns.locksCovering(space, [], { descendants: true })).length, 1);
        assert.equal((await ns.locksCovering(space, [], { descendants: false })).length, 0);
        const conflicting = {
          token: `urn:uuid:${crypto.randomUUID()}`,
          depth: '0',
          scope: 'exclusive',
          owner: '',
          timeoutSeconds: 60,
        } as const;
        await refusal(
          ns.lock(space, ['locked', 'in.txt'], conflicting, (found) => {
            if (found.length > 0) throw new SesameError('DAV_LOCKED', 'locked');
          }),
          'DAV_LOCKED',
        );
        assert.equal((await db.selectFrom('node_locks').selectAll().where('token', '=', conflicting.token).execute()).length, 0);
        const unmapped = await ns.lock(
          space,
          ['fresh.txt'],
          { token: `urn:uuid:${crypto.randomUUID()}`, depth: '0', scope: 'exclusive', owner: '', timeoutSeconds: 60 },
          () => {},
        );
        assert.equal(unmapped.created, true);
        assert.equal((await ns.resolve(space, ['fresh.txt']))?.size, 0);
        assert.equal(await ns.refreshLock(space, token, 1200), true);
        await ns.move(space, ['locked'], ['moved'], { overwrite: false });
        assert.deepEqual(await ns.locksCovering(space, ['moved', 'in.txt'], { descendants: false }), []);
        clock.advance(61_000);
        assert.deepEqual(await ns.locksCovering(space, ['fresh.txt'], { descendants: false }), []);
        assert.equal(await ns.refreshLock(space, token, 60), false);
      });

      it(
        'moves a folder of 10 000 files with no blob operation, well under a second; copies it with none either',
        { timeout: 300_000 },
        async (t) => {
          await newSpace();
          await ns.createFolder(space, ['big']);
          await ns.createFolder(space, ['big', 'p0']);
          for (let i = 0; i < 100; i++) await ns.writeFile(space, ['big', 'p0', `f${i}`], body(`file ${i}`), NO_QUOTA);
          for (let p = 1; p < 100; p++) await ns.copy(space, ['big', 'p0'], ['big', `p${p}`], { overwrite: false, ...NO_QUOTA });
          const files = await db
            .selectFrom('nodes')
            .select(db.fn.countAll<number>().as('n'))
            .where('space_id', '=', space)
            .where('kind', '=', 'file')
            .executeTakeFirstOrThrow();
          assert.equal(Number(files.n), 10_000);
          await ns.createFolder(space, ['elsewhere']);
          const before = counted.total();
          const started = performance.now();
          await ns.move(space, ['big'], ['elsewhere', 'big'], { overwrite: false });
          const ms = performance.now() - started;
          t.diagnostic(`MOVE of a folder of 10 000 files: ${ms.toFixed(1)} ms`);
          assert.equal(counted.total(), before, 'no blob operation');
          assert.ok(ms < 1000, `the move took ${ms.toFixed(0)} ms`);
          await ns.copy(space, ['elsewhere', 'big'], ['copy'], { overwrite: false, ...NO_QUOTA });
          assert.equal(counted.total(), before, 'no blob operation for the copy either');
          assert.equal(await text(ns, space, ['elsewhere', 'big', 'p42', 'f7']), 'file 7');
          assert.equal(
            await checkSpaceInvariants(db, space),
            2 * 100 * [...Array(100).keys()].reduce((a, i) => a + `file ${i}`.length, 0),
          );
        },
      );
    });
  }
}

for (const dialect of DIALECTS) {
  describe(`quota on ${dialect}`, () => {
    it(
      'checks a quota-limited write with the same statements in a space of 10 files or of 102 400',
      { timeout: 600_000 },
      async (t) => {
        const testDb = await openTestDatabase(dialect);
        const store = await freshStore('local');
        const clock = new ManualClock();
        const ns = newNamespace(testDb.db, store, clock);
        const statements: string[] = [];
        const observed = await testDb.another((event) => statements.push(event.query.sql));
        const measured = newNamespace(observed, store, clock);
        try {
          const small = await addSpaceOwner(testDb.db);
          const large = await addSpaceOwner(testDb.db);
          for (const space of [small, large]) {
            await ns.createFolder(space, ['set']);
            for (let i = 0; i < 10; i++) await ns.writeFile(space, ['set', `f${i}`], body(`file ${i}`), NO_QUOTA);
          }
          // 10 files, doubled 10 times (a copy and three moves a round), then copied 9 times: 102 400 files.
          for (let round = 0; round < 10; round++) {
            await ns.copy(large, ['set'], ['twin'], { overwrite: false, ...NO_QUOTA });
            await ns.createFolder(large, ['both']);
            await ns.move(large, ['set'], ['both', 'a'], { overwrite: false });
            await ns.move(large, ['twin'], ['both', 'b'], { overwrite: false });
            await ns.move(large, ['both'], ['set'], { overwrite: false });
          }
          const files = await testDb.db
            .selectFrom('nodes')
            .select(testDb.db.fn.countAll<number>().as('n'))
            .where('space_id', '=', large)
            .where('kind', '=', 'file')
            .executeTakeFirstOrThrow();
          assert.equal(Number(files.n), 10_240);
          for (let round = 0; round < 9; round++) {
            await ns.copy(large, ['set'], [`copy${round}`], { overwrite: false, ...NO_QUOTA });
          }
          const usage = await ns.usage(large);
          const run = async (space: string) => {
            statements.length = 0;
            const started = performance.now();
            const quota = (await measured.usage(space)) + 100;
            await measured.writeFile(space, ['new.txt'], body('fits'), { quotaBytes: quota });
            await assert.rejects(measured.writeFile(space, ['big.txt'], body('x'.repeat(200)), { quotaBytes: quota }), /quota/);
            return { statements: [...statements], ms: performance.now() - started };
          };
          const inSmall = await run(small);
          const inLarge = await run(large);
          const total = await testDb.db
            .selectFrom('nodes')
            .select(testDb.db.fn.countAll<number>().as('n'))
            .where('space_id', '=', large)
            .where('kind', '=', 'file')
            .executeTakeFirstOrThrow();
          assert.equal(Number(total.n), 102_400 + 1);
          t.diagnostic(
            `quota-limited write and refusal: ${inSmall.ms.toFixed(1)} ms with 10 files, ${inLarge.ms.toFixed(1)} ms with ${total.n}`,
          );
          assert.deepEqual(inLarge.statements, inSmall.statements);
          assert.equal(await checkSpaceInvariants(testDb.db, large), usage + 4);
        } finally {
          store.close();
          await observed.destroy();
          await testDb.db.destroy();
        }
      },
    );
  });
}
