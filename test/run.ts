// Test runner (`npm test`, or `tsx test/run.ts [files...]`): installs the
// Debian packages the suite needs when they are missing (test/debian-packages.txt),
// starts a throwaway PostgreSQL cluster, runs the node:test suite against it
// with SESAME_TEST_PG_URL set, then stops the cluster and exits with the suite's code.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgresCluster, type PostgresCluster } from './helpers/pg-cluster.js';
import { ensureDebianPackages, readPackageList } from './debian-packages.js';

const testDir = dirname(fileURLToPath(import.meta.url));

function findTestFiles(): string[] {
  return readdirSync(testDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !file.split(/[\\/]/).includes('node_modules'))
    .map((file) => relative(process.cwd(), join(testDir, file)))
    .sort();
}

try {
  ensureDebianPackages({ packages: readPackageList(join(testDir, 'debian-packages.txt')), isRoot: process.getuid?.() === 0 });
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

const files = process.argv.length > 2 ? process.argv.slice(2) : findTestFiles();
if (files.length === 0) {
  console.error(`No test files found (looked for *.test.ts under ${relative(process.cwd(), testDir) || '.'}).`);
  process.exit(1);
}

// Forward termination signals to the suite; the cluster is stopped once it exits.
let child: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = signal;
    child?.kill(signal);
  });
}

function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

let cluster: PostgresCluster;
try {
  cluster = await startPostgresCluster();
} catch (err) {
  console.error(`Could not start the test PostgreSQL cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

if (interrupted) {
  await cluster.stop();
  process.exit(exitCodeFor(interrupted));
}

child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SESAME_TEST_PG_URL: cluster.url },
});

// Stop the cluster once, then exit with the suite's code.
let finishing = false;
function finish(exitCode: number): void {
  if (finishing) return;
  finishing = true;
  cluster.stop().then(
    () => process.exit(exitCode),
    (err: unknown) => {
      console.error(`Could not stop the test PostgreSQL cluster: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(exitCode === 0 ? 1 : exitCode);
    },
  );
}

child.on('error', (err) => {
  console.error(`Could not run the test suite: ${err.message}`);
  finish(1);
});
child.on('close', (code, signal) => finish(code ?? (signal ? exitCodeFor(signal) : 1)));
