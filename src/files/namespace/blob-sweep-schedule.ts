/**
 * Runs the blob sweeper (blob-sweeper.ts) on every node, one sweep at a
 * time, every few minutes, with a full listing of the store for orphans now
 * and then; what several nodes do at once is safe by the sweeper's own
 * rules. A store that cannot be reached is logged and tried again at the
 * next tick, never thrown.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sweepBlobs, type SweepOptions } from './blob-sweeper.js';

export interface SweepSchedule {
  /** Milliseconds between two sweeps. */
  intervalMs: number;
  /** Every how many sweeps the store is listed for orphans. */
  orphansEvery: number;
}

export const DEFAULT_SWEEP_SCHEDULE: SweepSchedule = { intervalMs: 5 * 60_000, orphansEvery: 288 };

export function startBlobSweeper(
  deps: Parameters<typeof sweepBlobs>[0],
  log: FastifyBaseLogger,
  schedule: SweepSchedule = DEFAULT_SWEEP_SCHEDULE,
  options: Partial<SweepOptions> = {},
): { stop(): Promise<void> } {
  let sweeping: Promise<void> | null = null;
  let count = 0;
  const sweep = () => {
    const orphans = count++ % schedule.orphansEvery === schedule.orphansEvery - 1;
    sweeping ??= sweepBlobs(deps, { ...options, orphans })
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) log.info({ sweep: report }, 'the blob sweeper removed unused blobs');
      })
      .catch((error: unknown) =>
        log.warn({ err: error, store: deps.blobs.description }, 'the blob sweep failed; it will run again'),
      )
      .finally(() => {
        sweeping = null;
      });
  };
  const ticking = setInterval(sweep, schedule.intervalMs).unref();
  return {
    async stop() {
      clearInterval(ticking);
      await sweeping;
    },
  };
}
