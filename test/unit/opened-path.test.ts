/**
 * The check behind every WebDAV GET (files/opened-path.ts): what an open
 * descriptor really names. A file removed between its open and the check
 * (a GET racing a DELETE or an overwrite) is told apart from a link followed
 * on the way, so the GET serves the version it opened rather than the 403 of
 * a refused link.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openedPathOf } from '../../src/files/opened-path.js';
import { tempDir } from '../helpers/server.js';

describe('what an open descriptor names', () => {
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const openAndCheck = (opened: string, asked: string, between?: () => void) => {
    const fd = fs.openSync(opened, 'r');
    try {
      between?.();
      return openedPathOf(fd, asked);
    } finally {
      fs.closeSync(fd);
    }
  };

  it('is the path asked for when nothing moved', () => {
    const file = path.join(dir, 'kept.txt');
    fs.writeFileSync(file, 'x');
    assert.equal(openAndCheck(file, file), 'asked');
  });

  it('is a removed file when the path was deleted after the open, not a link', () => {
    const file = path.join(dir, 'deleted.txt');
    fs.writeFileSync(file, 'x');
    assert.equal(
      openAndCheck(file, file, () => fs.rmSync(file)),
      'removed',
    );
  });

  it('is elsewhere when a link on the way led to another file', () => {
    const target = path.join(dir, 'target.txt');
    const link = path.join(dir, 'link.txt');
    fs.writeFileSync(target, 'x');
    fs.symlinkSync(target, link);
    assert.equal(openAndCheck(link, link), 'elsewhere');
  });

  it('is elsewhere, not removed, for another file deleted while open', () => {
    const other = path.join(dir, 'other.txt');
    fs.writeFileSync(other, 'x');
    assert.equal(
      openAndCheck(other, path.join(dir, 'asked.txt'), () => fs.rmSync(other)),
      'elsewhere',
    );
  });
});
