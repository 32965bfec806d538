// Throwaway Ceph cluster for the test suite, the S3-compatible store the
// S3 blob store is tested against: one monitor, one OSD on `memstore` (all
// data in memory), `auth * = none`, and RADOS Gateways (S3) with the Beast
// frontend on free 127.0.0.1 ports. Started once per test run by test/run.ts
// (like PostgreSQL); tests create a bucket each, and may start a gateway of
// their own on the same cluster to stop or pause it. Every daemon runs in
// the foreground as our child and writes its pid file; stop() kills them all.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './pg-cluster.js';

const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'] as const;
/** Every stage together must finish in this time, or the start fails naming the stage. */
const START_TIMEOUT_MS = 60_000;

export interface S3Credentials {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface CephGateway {
  endpoint: string;
  /** SIGSTOP: the gateway accepts connections and answers nothing (a store that hangs). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Kills the gateway (a store down); start another on the same port with startCephGateway(conf, { port }). */
  stop(): Promise<void>;
}

export interface CephCluster {
  /** The cluster's ceph.conf (radosgw-admin, private gateways). */
  conf: string;
  s3: S3Credentials;
  /** Milliseconds the start took, stage by stage. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

function missingBinaries(): string[] {
  return BINARIES.filter((name) => !['/usr/bin', '/usr/sbin', '/bin'].some((dir) => existsSync(join(dir, name))));
}

/** Runs a command to its end; rejects with its output on failure or after `timeoutMs`. */
function run(command: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n${output.trim()}`));
    });
  });
}

/** Starts a daemon in the foreground (`-f`), detached, its output in `log`. */
function daemon(command: string, args: string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  try {
    const child = spawn(command, [...args, '-f'], { stdio: ['ignore', out, out], detached: true });
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A daemon that ended while it was awaited: no point waiting for the deadline. */
class GatewayExited extends Error {}

async function waitFor(what: string, deadline: number, probe: () => Promise<boolean>, logs: string[]): Promise<void> {
  for (;;) {
    const ready = await probe().catch((error: unknown) => {
      if (error instanceof GatewayExited) throw error;
      return false;
    });
    if (ready) return;
    if (Date.now() > deadline) {
      const shown = logs.map((log) => `--- tail of ${log} ---\n${tail(log)}`).join('\n');
      throw new Error(`The test Ceph cluster did not come up: ${what} was not ready in time.\n${shown}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answersHttp(endpoint: string): Promise<boolean> {
  const response = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

function killAll(pids: Iterable<number>): Promise<void> {
  const waiting: Promise<void>[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      continue;
    }
    waiting.push(
      (async () => {
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(pid, 0);
          } catch {
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
    );
  }
  return Promise.all(waiting).then(() => undefined);
}

function pidsInFolder(runDir: string): number[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((name) => name.endsWith('.pid'))
    .map((name) => Number.parseInt(readFileSync(join(runDir, name), 'utf8'), 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

function configuration(dir: string, fsid: string, monPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr2 = false
run dir = ${dir}/run
pid file = ${dir}/run/$name.pid
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$id
# One OSD, data in memory, no replicas: a cluster for tests only.
osd objectstore = memstore
memstore device bytes = 17179869184
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
# At start an OSD would ask the monitor to place it in the CRUSH map, sometimes before it knows the cluster's fsid
# ("wrong fsid": it stops). The helper places it itself beforehand.
osd crush update on start = false
osd class update on start = false
mon allow pool size one = true
mon warn on pool no redundancy = false
# Maps are proposed at once rather than once a second: the gateway creates its pools in about a second.
paxos propose interval = 0.01
paxos min wait = 0.001
# Tests kill and pause gateways: a dead gateway's watch on the control objects lapses after 5 s rather than 30 s,
# or every radosgw-admin change would wait for it to acknowledge.
osd client watch timeout = 5
osd op num shards = 2
osd op num threads per shard = 1
rgw thread pool size = 32
rgw gc obj min wait = 0
rgw gc processor period = 5
rgw dynamic resharding = false
rgw enable lc threads = false
`;
}

/** Starts a RADOS Gateway of the cluster of `conf` on `port` (a free one by default), answering S3 once it returns. */
export async function startCephGateway(
  conf: string,
  options: { port?: number; name?: string; timeoutMs?: number } = {},
): Promise<CephGateway> {
  const dir = conf.slice(0, conf.lastIndexOf('/'));
  const port = options.port ?? (await freePort());
  const name = `client.rgw.${options.name ?? `g${port}`}`;
  const endpoint = `http://127.0.0.1:${port}`;
  const log = join(dir, 'log', `${name}.out`);
  const child = daemon('radosgw', ['-n', name, '-c', conf, '--rgw-frontends', `beast endpoint=127.0.0.1:${port}`], log);
  // radosgw writes no pid file in the foreground: ours lets the cluster's stop() find it.
  await writeFile(join(dir, 'run', `${name}.pid`), `${child.pid}\n`);
  let exited: number | string | null = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const logs = [log, join(dir, 'log', `${name}.log`)];
  const what = `the RADOS Gateway (radosgw ${name}) on ${endpoint}`;
  try {
    await waitFor(
      what,
      Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS),
      async () => {
        if (exited !== null) {
          const shown = logs.map((file) => `--- tail of ${file} ---\n${tail(file)}`).join('\n');
          throw new GatewayExited(`${what} exited (${exited}) before it answered.\n${shown}`);
        }
        return answersHttp(endpoint);
      },
      logs,
    );
  } catch (error) {
    await killAll([child.pid!]);
    throw error;
  }
  return {
    endpoint,
    pause: () => process.kill(child.pid!, 'SIGSTOP'),
    resume: () => process.kill(child.pid!, 'SIGCONT'),
    stop: () => killAll([child.pid!]),
  };
}

export async function startCephCluster(): Promise<CephCluster> {
  const missing = missingBinaries();
  if (missing.length > 0) {
    throw new Error(
      `Ceph was not found (missing: ${missing.join(', ')}). The S3 blob store is tested against a real Ceph RADOS Gateway; ` +
        'install it with: apt-get update && apt-get install -y ceph-mon ceph-osd radosgw ceph-common',
    );
  }
  const started = Date.now();
  const deadline = started + START_TIMEOUT_MS;
  const timings: Record<string, number> = {};
  const mark = (stage: string) => (timings[stage] = Date.now() - started);
  const dir = await mkdtemp(join(tmpdir(), 'sesame-ceph-'));
  const conf = join(dir, 'ceph.conf');
  const children: ChildProcess[] = [];
  const stop = async () => {
    await killAll(new Set([...children.map((child) => child.pid!).filter(Boolean), ...pidsInFolder(join(dir, 'run'))]));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const folder of ['run', 'log', 'mon', 'osd/0']) await mkdir(join(dir, folder), { recursive: true });
    const fsid = crypto.randomUUID();
    const monPort = await freePort();
    await writeFile(conf, configuration(dir, fsid, monPort));
    // A monitor just elected may still refuse a command for a moment: commands here are idempotent, so they are retried.
    const ceph = async (...args: string[]): Promise<string> => {
      for (;;) {
        try {
          return await run('ceph', ['-c', conf, '--connect-timeout', '10', ...args]);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };

    // A plain address on a port other than 6789 would be taken for msgr2, which clients of `v1` never reach.
    await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
    await run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '-c', conf]);
    // Every daemon runs in the foreground (our child, detached), so that stop() knows it whatever it writes.
    children.push(daemon('ceph-mon', ['-i', 'a', '-c', conf], join(dir, 'log', 'mon.a.out')));
    await waitFor('the monitor (ceph-mon a)', deadline, async () => (await ceph('mon', 'stat')).includes('quorum'), [
      join(dir, 'log', 'mon.a.log'),
    ]);
    mark('monitor');

    // Without --osd-uuid the OSD's identity would not match the one registered, and it would never leave "booting".
    const osdUuid = crypto.randomUUID();
    await run('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid, '-c', conf]);
    await ceph('osd', 'new', osdUuid);
    await ceph('osd', 'crush', 'add', 'osd.0', '1.0', 'root=default');
    children.push(daemon('ceph-osd', ['-i', '0', '-c', conf], join(dir, 'log', 'osd.0.out')));
    await waitFor(
      'the OSD (ceph-osd 0)',
      deadline,
      async () => JSON.parse(await ceph('osd', 'stat', '-f', 'json')).num_up_osds === 1,
      [join(dir, 'log', 'osd.0.log'), join(dir, 'log', 'osd.0.out')],
    );
    mark('osd');

    const gateway = await startCephGateway(conf, { name: 'main' });
    mark('gateway');
    const s3 = {
      endpoint: gateway.endpoint,
      accessKeyId: `SESAME${crypto.randomBytes(7).toString('hex').toUpperCase()}`,
      secretAccessKey: crypto.randomBytes(24).toString('base64url'),
    };
    await run('radosgw-admin', [
      '-c',
      conf,
      'user',
      'create',
      '--uid=sesame',
      '--display-name=Sesame tests',
      `--access-key=${s3.accessKeyId}`,
      `--secret-key=${s3.secretAccessKey}`,
    ]);
    mark('user');
    return { conf, s3, timings, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The daemons of a cluster (by their pid files) still running. */
export function runningCephDaemons(conf: string): number[] {
  return pidsInFolder(join(conf.slice(0, conf.lastIndexOf('/')), 'run')).filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}
