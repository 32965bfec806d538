/**
 * A real full disk for tests: a small tmpfs mounted for the test (the
 * suite runs as root; anywhere else this fails with a clear message, never
 * skips), which `fill` fills to the last byte with a file of its own and
 * `free` empties again. Unmounted at the end.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  /** The mount point (keep data in a folder below it: a mount point cannot be removed). */
  dir: string;
  /** Writes a filler file until the disk has no byte left. */
  fill(): void;
  /** Removes the filler. */
  free(): void;
  unmount(): void;
}

export function mountSmallDisk(sizeBytes: number): SmallDisk {
  if (process.getuid?.() !== 0) {
    throw new Error('the full-disk tests mount a small tmpfs and must run as root (mount -t tmpfs); run the suite as root');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      try {
        for (let chunk = 64 * 1024; chunk >= 1; chunk = Math.floor(chunk / 2)) {
          const bytes = Buffer.alloc(chunk, 0x61);
          for (;;) {
            try {
              fs.writeSync(fd, bytes);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
              break;
            }
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', dir]);
      fs.rmdirSync(dir);
    },
  };
}
