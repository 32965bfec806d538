/**
 * Readiness: a short list of named probes, one per part the server cannot
 * serve without (the database, the file storage…). Each asks its part one
 * cheap question; /readyz (ops/health-routes.ts) runs them all at once and
 * names those that failed. A part is added by adding a probe to the list
 * the server is built with, never by editing the route.
 *
 * A probe answers within PROBE_DEADLINE_MS or counts as failed: a load
 * balancer must get its answer even from a database that no longer answers
 * at all. Probes of one part never pile up: a check asked for while the
 * previous one still runs waits for that one. What a client is told is the
 * part's name and a fixed word ("unavailable", "timed out", or the probe's
 * own short reason); the error itself (which may name a host, a path, a
 * user) goes only to the log, once per change of state.
 */
import fs from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { MIGRATIONS } from '../db/migrations.js';
import { readAppliedMigrations } from '../repositories/migration-log.js';

/** Long enough for a loaded database to answer one tiny read; short enough for any load balancer's check. */
export const PROBE_DEADLINE_MS = 1_000;

export interface ReadinessProbe {
  /** Shown to the client as is: a plain name such as "database". */
  readonly name: string;
  /** Resolves when the part answers; rejects (a ProbeFailure for a reason worth showing) when it does not. */
  check(): Promise<void>;
}

/** A failure whose short, fixed reason may be shown to anyone ("not migrated"). */
export class ProbeFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** `ok`, `unavailable`, `timed out`, or a probe's own short reason. */
export type ProbeState = string;

export interface Readiness {
  ready: boolean;
  checks: Record<string, ProbeState>;
}

/** Runs the probes together; each is `ok` or says why not. */
export interface ReadinessCheck {
  (): Promise<Readiness>;
}

function withDeadline(check: Promise<void>, deadlineMs: number): Promise<ProbeState> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timed out'), deadlineMs);
    check.then(
      () => resolve('ok'),
      (error: unknown) => resolve(error instanceof ProbeFailure ? error.reason : 'unavailable'),
    );
    void check.finally(() => clearTimeout(timer)).catch(() => undefined);
  });
}

/**
 * The check /readyz runs. Logs a part that stops answering (warn, with the
 * error) and one that answers again (info), once each time its state changes.
 */
export function readinessCheck(
  probes: readonly ReadinessProbe[],
  log: FastifyBaseLogger,
  deadlineMs = PROBE_DEADLINE_MS,
): ReadinessCheck {
  const running = new Map<string, Promise<void>>();
  const lastState = new Map<string, ProbeState>();
  const lastError = new Map<string, unknown>();
  const runOnce = (probe: ReadinessProbe): Promise<void> => {
    let run = running.get(probe.name);
    if (run === undefined) {
      run = probe.check();
      running.set(probe.name, run);
      void run
        .then(
          () => lastError.delete(probe.name),
          (error: unknown) => lastError.set(probe.name, error),
        )
        .finally(() => running.delete(probe.name));
    }
    return run;
  };
  return async () => {
    const states = await Promise.all(probes.map((probe) => withDeadline(runOnce(probe), deadlineMs)));
    const checks: Record<string, ProbeState> = {};
    probes.forEach((probe, i) => {
      const state = states[i]!;
      checks[probe.name] = state;
      const before = lastState.get(probe.name) ?? 'ok';
      if (state !== before) {
        if (state === 'ok') log.info({ probe: probe.name }, `readiness: the ${probe.name} answers again`);
        else log.warn({ probe: probe.name, state, err: lastError.get(probe.name) }, `readiness: the ${probe.name} is ${state}`);
      }
      lastState.set(probe.name, state);
    });
    return { ready: states.every((state) => state === 'ok'), checks };
  };
}

/** The database answers a read on the hot path's connection, and holds every migration this code knows. */
export function databaseProbe(db: Db): ReadinessProbe {
  const expected = Object.keys(MIGRATIONS);
  return {
    name: 'database',
    async check() {
      const applied = new Set(await readAppliedMigrations(db));
      if (!expected.every((name) => applied.has(name))) throw new ProbeFailure('not migrated');
    },
  };
}

/** The local file storage: the files directory is there and may be read and written. */
export function fileStorageProbe(filesDir: string): ReadinessProbe {
  return {
    name: 'file storage',
    async check() {
      const stat = await fs.stat(filesDir);
      if (!stat.isDirectory()) throw new ProbeFailure('unavailable');
      await fs.access(filesDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    },
  };
}
