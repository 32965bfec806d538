/**
 * What a descriptor opened for reading really names, from Linux's
 * /proc/<pid>/fd: the very path asked for, the same path removed since it
 * was opened (a GET racing a DELETE, or an overwrite that renamed a new
 * version over it: the kernel appends " (deleted)"), or anything else (a
 * link followed somewhere on the way). Reads the kernel's own record; never
 * trusts a path checked before the open. A removed file was still opened at
 * the path asked for, inside the space: what it holds may be served.
 */
import fs from 'node:fs';

/** This process's open descriptors, named by pid rather than through the /proc/self link: one lookup less per check. */
export const OPEN_FILES = `/proc/${process.pid}/fd/`;

export type OpenedPath = 'asked' | 'removed' | 'elsewhere';

export function openedPathOf(fd: number, asked: string): OpenedPath {
  const opened = fs.readlinkSync(`${OPEN_FILES}${fd}`);
  if (opened === asked) return 'asked';
  return opened === `${asked} (deleted)` ? 'removed' : 'elsewhere';
}
