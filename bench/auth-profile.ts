/**
 * `npm run bench:auth-profile [-- postgres]` — where the hot path's CPU goes.
 * Starts one Sésame server with the bench:auth fixture (100 000 app
 * passwords), primes the 1 000 rotating credentials, then profiles this
 * process (the server's) with the V8 sampling profiler while `wrk` drives,
 * in turn, the bare route and the verified Basic route. Prints self time
 * per request by module and by function for each, and the difference.
 * Figures are per request, so they compare across loads; they include the
 * profiler's own overhead. Measures only: it changes nothing it profiles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/pg-cluster.js';
import { seedSesame, startSesame, type Dialect } from './auth-fixture.js';
import { runWrk } from './wrk.js';
import { moduleOf } from './profile-module.js';

const VERIFIED_PATH = '/api/v1/forward-auth/webdav';
const BARE_PATH = '/api/v1/no-such-route';
const WRK_CASE = { threads: 2, connections: 16, durationS: 6 } as const;
const SAMPLING_INTERVAL_US = 200;
const TOP_FUNCTIONS = 25;

interface Breakdown {
  requests: number;
  /** Self time per request, µs, by module and by function. */
  modules: Map<string, number>;
  functions: Map<string, number>;
}

function breakdownOf(profile: Profiler.Profile, requests: number): Breakdown {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the delta to the next sample.
    const delta = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + delta);
  }
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id)!;
    const module = moduleOf(callFrame.url, callFrame.functionName);
    if (module === '(idle)') continue;
    const name = `${callFrame.functionName || '(anonymous)'} ${module}:${callFrame.lineNumber + 1}`;
    modules.set(module, (modules.get(module) ?? 0) + us / requests);
    functions.set(name, (functions.get(name) ?? 0) + us / requests);
  }
  return { requests, modules, functions };
}

async function profiled(session: Session, port: number, requestPath: string, authorizations: string[], tmp: string) {
  await session.post('Profiler.start');
  const result = await runWrk(tmp, { ...WRK_CASE, port, path: requestPath, authorizations });
  const { profile } = await session.post('Profiler.stop');
  const saved = path.join(os.tmpdir(), `sesame-auth-${requestPath === BARE_PATH ? 'bare' : 'verified'}.cpuprofile`);
  fs.writeFileSync(saved, JSON.stringify(profile));
  process.stderr.write(`· profile written to ${saved} (open it in Chrome DevTools)\n`);
  return { result, breakdown: breakdownOf(profile, result.requests) };
}

function total(map: Map<string, number>): number {
  return [...map.values()].reduce((a, b) => a + b, 0);
}

function printTable(title: string, bare: Map<string, number>, verified: Map<string, number>, limit: number): void {
  const keys = [...new Set([...bare.keys(), ...verified.keys()])];
  keys.sort((a, b) => (verified.get(b) ?? 0) - (verified.get(a) ?? 0));
  process.stdout.write(`\n${title} (self µs per request: bare, verified, difference)\n`);
  for (const key of keys.slice(0, limit)) {
    const b = bare.get(key) ?? 0;
    const v = verified.get(key) ?? 0;
    process.stdout.write(`${b.toFixed(1).padStart(8)} ${v.toFixed(1).padStart(8)} ${(v - b).toFixed(1).padStart(8)}  ${key}\n`);
  }
  process.stdout.write(
    `${total(bare).toFixed(1).padStart(8)} ${total(verified).toFixed(1).padStart(8)} ${(total(verified) - total(bare)).toFixed(1).padStart(8)}  total\n`,
  );
}

async function main(): Promise<void> {
  const dialect: Dialect = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-profile-'));
  let cluster: PostgresCluster | undefined;
  try {
    let databaseUrl: string | undefined;
    if (dialect === 'postgres') {
      cluster = await startPostgresCluster();
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query('CREATE DATABASE sesame_profile');
      await admin.end();
      const url = new URL(cluster.url);
      url.pathname = '/sesame_profile';
      databaseUrl = url.toString();
    }
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    const { server, port } = await startSesame(dialect, databaseUrl, dataDir);
    try {
      const seed = await seedSesame(server);
      // Priming: each credential once, so that its first-use write happens here, not in the profile.
      for (const authorization of seed.rotating) {
        const reply = await fetch(`http://127.0.0.1:${port}${VERIFIED_PATH}`, { headers: { authorization } });
        if (reply.status !== 204) throw new Error(`priming: ${reply.status} for a seeded credential`);
      }
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      const bare = await profiled(session, port, BARE_PATH, [], tmp);
      const verified = await profiled(session, port, VERIFIED_PATH, seed.rotating, tmp);
      session.disconnect();
      process.stdout.write(
        `${dialect}, load average at start ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}; under the profiler: bare ${Math.round(bare.result.requestsPerSecond)} req/s, ` +
          `verified ${Math.round(verified.result.requestsPerSecond)} req/s (${verified.result.non2xx} not 2xx)\n`,
      );
      printTable('By module', bare.breakdown.modules, verified.breakdown.modules, 30);
      printTable('By function', bare.breakdown.functions, verified.breakdown.functions, TOP_FUNCTIONS);
    } finally {
      await server.close();
    }
  } finally {
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:auth-profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
