/**
 * Brings a build in dist/ up to date for the tests that run it: rebuilt when
 * a source is newer than the build's marker file, under a lock (test files
 * run in parallel), so a test never runs output older than its sources. It
 * must never run a build that is already current: on a fresh clone `npm ci`
 * has built dist/ (the `prepare` script).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Build {
  /** The folder whose files the build reads. */
  sources: string;
  /** A file the build rewrites every time. */
  marker: string;
  /** A folder used as a lock while building. */
  lock: string;
  /** The build, run with node from the repository root. */
  args: string[];
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function isCurrent(build: Build): boolean {
  return fs.existsSync(build.marker) && fs.statSync(build.marker).mtimeMs >= newestSource(build.sources);
}

export async function ensureBuilt(build: Build): Promise<void> {
  fs.mkdirSync(path.dirname(build.lock), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(build.lock);
      break;
    } catch {
      // A lock left by a run that was killed mid-build is stale after two minutes.
      const age = Date.now() - (fs.statSync(build.lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(build.lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (!isCurrent(build)) execFileSync(process.execPath, build.args, { cwd: ROOT, stdio: 'pipe' });
  } finally {
    fs.rmdirSync(build.lock);
  }
}

/** The server and CLI (tsc, tsconfig.build.json), for the tests that spawn `node dist/cli/main.js`. */
export function ensureServerBuild(): Promise<void> {
  return ensureBuilt({
    sources: path.join(ROOT, 'src'),
    marker: path.join(ROOT, 'dist/cli/main.js'),
    lock: path.join(ROOT, 'dist/.server-build.lock'),
    args: [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  });
}
