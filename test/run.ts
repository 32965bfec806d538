// Test runner (`npm test`, or `tsx test/run.ts [files...]`): installs the
// Debian packages the suite needs when they are missing (test/debian-packages.txt),
// starts a throwaway PostgreSQL cluster and a throwaway Ceph cluster with its
// RADOS Gateway (S3) side by side, runs the node:test suite against them with
// SESAME_TEST_PG_URL, SESAME_TEST_S3_URL and SESAME_TEST_CEPH_CONF set, then
// stops both and exits with the suite's code.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgresCluster, type PostgresCluster } from './helpers/pg-cluster.js';
import { startCephCluster, type CephCluster } from './helpers/ceph-cluster.js';
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

const [postgres, ceph] = await Promise.allSettled([startPostgresCluster(), startCephCluster()]);
const started = [postgres, ceph].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
const stopClusters = () => Promise.all(started.map((cluster) => cluster.stop()));
if (postgres.status === 'rejected' || ceph.status === 'rejected') {
  if (postgres.status === 'rejected') console.error(`Could not start the test PostgreSQL cluster: ${String(postgres.reason)}`);
  if (ceph.status === 'rejected') console.error(`Could not start the test Ceph cluster: ${String(ceph.reason)}`);
  await stopClusters();
  process.exit(1);
}
const cluster: PostgresCluster = postgres.value;
const s3: CephCluster = ceph.value;

if (interrupted) {
  await stopClusters();
  process.exit(exitCodeFor(interrupted));
}

const s3Url = new URL(s3.s3.endpoint);
s3Url.username = s3.s3.accessKeyId;
s3Url.password = s3.s3.secretAccessKey;
child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SESAME_TEST_PG_URL: cluster.url, SESAME_TEST_S3_URL: s3Url.href, SESAME_TEST_CEPH_CONF: s3.conf },
});

// Stop the clusters once, then exit with the suite's code.
let finishing = false;
function finish(exitCode: number): void {
  if (finishing) return;
  finishing = true;
  stopClusters().then(
    () => process.exit(exitCode),
    (err: unknown) => {
      console.error(`Could not stop the test clusters: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(exitCode === 0 ? 1 : exitCode);
    },
  );
}

child.on('error', (err) => {
  console.error(`Could not run the test suite: ${err.message}`);
  finish(1);
});
child.on('close', (code, signal) => finish(code ?? (signal ? exitCodeFor(signal) : 1)));
