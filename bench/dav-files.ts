/**
 * The files every peer of `npm run bench:dav` serves: a 4 KiB file and a
 * folder of 1 000 files of 4 KiB, written directly on disk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const FOLDER_ENTRIES = 1_000;

export function writeBenchFiles(root: string): void {
  fs.mkdirSync(path.join(root, 'folder'), { recursive: true });
  const content = crypto.randomBytes(4096);
  fs.writeFileSync(path.join(root, 'file.bin'), content);
  for (let i = 0; i < FOLDER_ENTRIES; i++)
    fs.writeFileSync(path.join(root, 'folder', `entry-${String(i).padStart(4, '0')}.txt`), content);
}
