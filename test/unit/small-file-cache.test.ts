/**
 * The small-file cache behind the local-disk store, on real files: a small
 * file read the safe way is served again from memory (the very same object,
 * no descriptor) only while `lstat` shows the version it was read from, and
 * only once that version has settled; a changed, replaced, removed or
 * linked-over file goes back to the safe read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { prepareFilesDirectory, LocalDiskStore } from '../../src/files/local-disk-store.js';
import { SETTLED_MS, SMALL_FILE_BYTES, SmallFileCache } from '../../src/files/small-file-cache.js';
import type { OpenFile } from '../../src/files/file-store.js';
import { tempDir } from '../helpers/server.js';

const dataDir = tempDir('sesame-file-cache-');
const filesDir = prepareFilesDirectory(dataDir);
const USER = 'u1';

function bytesOf(file: OpenFile | null): string {
  assert.ok(file, 'the file is there');
  const body = file.read();
  assert.ok(Buffer.isBuffer(body), 'a small file comes back as one buffer');
  return body.toString('utf8');
}

/** Waits until the kernel's file clock has moved on, so that the next write gets another ctime. */
async function nextFileClockTick(file: string): Promise<void> {
  const before = fs.statSync(file, { bigint: true }).ctimeNs;
  const probe = `${file}.tick`;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    fs.writeFileSync(probe, '');
    const now = fs.statSync(probe, { bigint: true }).ctimeNs;
    fs.rmSync(probe);
    if (now > before) return;
  }
}

describe('the small-file cache of the local-disk store', () => {
  let space: string;
  let clock: number;
  let store: LocalDiskStore;

  /** Creates `name` and moves the cache's clock well past its settling delay. */
  function settledFile(name: string, content: string): string {
    const full = path.join(space, name);
    fs.writeFileSync(full, content);
    clock = Date.now() + SETTLED_MS;
    return full;
  }

  beforeEach(() => {
    space = path.join(filesDir, USER);
    fs.rmSync(space, { recursive: true, force: true });
    clock = Date.now();
    store = new LocalDiskStore(filesDir, USER, new SmallFileCache(() => clock));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves a settled small file again from memory, bytes and state alike', async () => {
    settledFile('a.txt', 'hello');
    const first = await store.open(['a.txt']);
    const second = await store.open(['a.txt']);
    assert.equal(second, first, 'the second open is the cached file');
    assert.equal(bytesOf(second), 'hello');
    assert.deepEqual(second!.read({ start: 1, end: 3 }), Buffer.from('ell'));
    assert.deepEqual(second!.stat, await store.stat(['a.txt']), 'the same state (and ETag) as a stat of the path');
  });

  it('does not keep a file changed less than the settling delay before it was read', async () => {
    fs.writeFileSync(path.join(space, 'fresh.txt'), 'fresh');
    clock = Date.now();
    const first = await store.open(['fresh.txt']);
    assert.notEqual(await store.open(['fresh.txt']), first, 'read the safe way again');
    clock = Date.now() + SETTLED_MS;
    const settled = await store.open(['fresh.txt']);
    assert.equal(await store.open(['fresh.txt']), settled, 'kept once settled');
  });

  it('sees an overwrite in place of the same size, even with its mtime put back', async () => {
    const full = settledFile('same-size.txt', 'AAAA');
    const MTIME_S = 1_000_000_000;
    fs.utimesSync(full, MTIME_S, MTIME_S);
    assert.equal(bytesOf(await store.open(['same-size.txt'])), 'AAAA');
    const before = fs.statSync(full, { bigint: true });
    await nextFileClockTick(full);
    fs.writeFileSync(full, 'BBBB');
    fs.utimesSync(full, MTIME_S, MTIME_S);
    const after = fs.statSync(full, { bigint: true });
    assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs], 'only ctime tells');
    assert.equal(bytesOf(await store.open(['same-size.txt'])), 'BBBB');
  });

  it('sees a file replaced by another one (a rename over it)', async () => {
    const full = settledFile('replaced.txt', 'old!');
    assert.equal(bytesOf(await store.open(['replaced.txt'])), 'old!');
    fs.writeFileSync(`${full}.new`, 'new!');
    fs.renameSync(`${full}.new`, full);
    assert.equal(bytesOf(await store.open(['replaced.txt'])), 'new!');
  });

  it('finds nothing once the cached file is removed', async () => {
    const full = settledFile('gone.txt', 'here');
    assert.equal(bytesOf(await store.open(['gone.txt'])), 'here');
    fs.rmSync(full);
    assert.equal(await store.open(['gone.txt']), null);
  });

  it('refuses a link put at a cached file’s path, even one to that very file, unchanged', async () => {
    fs.mkdirSync(path.join(space, 'linked'));
    const full = settledFile('linked/f.txt', 'inside');
    assert.equal(bytesOf(await store.open(['linked', 'f.txt'])), 'inside');
    const ctime = fs.statSync(full, { bigint: true }).ctimeNs;
    // Moving its folder leaves the file's own ctime alone: through the link, a stat would find the very version cached.
    fs.renameSync(path.join(space, 'linked'), path.join(space, 'linked-was'));
    fs.mkdirSync(path.join(space, 'linked'));
    fs.symlinkSync(path.join(space, 'linked-was', 'f.txt'), full);
    assert.equal(fs.statSync(full, { bigint: true }).ctimeNs, ctime);
    await assert.rejects(store.open(['linked', 'f.txt']), { code: 'DAV_FORBIDDEN' });
  });

  it('refuses a cached file whose folder was swapped for a link to another folder', async () => {
    fs.mkdirSync(path.join(space, 'dir'));
    settledFile('dir/f.txt', 'inside');
    assert.equal(bytesOf(await store.open(['dir', 'f.txt'])), 'inside');
    const outside = fs.mkdtempSync(path.join(dataDir, 'outside-'));
    fs.writeFileSync(path.join(outside, 'f.txt'), 'secret');
    fs.renameSync(path.join(space, 'dir'), path.join(space, 'dir-was'));
    fs.symlinkSync(outside, path.join(space, 'dir'));
    await assert.rejects(store.open(['dir', 'f.txt']), { code: 'DAV_FORBIDDEN' });
  });

  it('never holds a file larger than the small-file limit: it is streamed from its descriptor', async () => {
    settledFile('large.bin', 'x'.repeat(SMALL_FILE_BYTES + 1));
    const first = await store.open(['large.bin']);
    assert.ok(first);
    assert.equal(Buffer.isBuffer(first.read()), false, 'a stream');
    const second = await store.open(['large.bin']);
    assert.notEqual(second, first);
    second!.close();
  });
});
