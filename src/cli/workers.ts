/**
 * `WORKERS` server processes on one machine with node:cluster: the primary
 * forks them and they share the listening port. Everything the processes
 * must agree on (passwords, throttling, locks, properties) is in the
 * database, so the primary holds no state and no connection once they
 * listen. The primary never ends with a worker: a worker that dies after
 * the start is replaced, at once when it had served a while, after a pause
 * that doubles with each early death otherwise, so that a crash loop does
 * not spin. SIGINT/SIGTERM stop them all. Never used with WORKERS=1.
 */
import cluster, { type Worker } from 'node:cluster';

export const isWorkerProcess = (): boolean => cluster.isWorker;

/** Closes a worker's channel to the primary, which would otherwise keep the stopped worker alive. */
export function leaveCluster(): void {
  cluster.worker?.disconnect();
}

/** A worker that served at least this long before dying was not caught in a crash loop. */
export const STABLE_RUN_MS = 60_000;
const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

/** The pause before replacing a worker, after `earlyDeaths` consecutive deaths within STABLE_RUN_MS of a start. */
export function restartPauseMs(earlyDeaths: number): number {
  return earlyDeaths === 0 ? 0 : Math.min(FIRST_PAUSE_MS * 2 ** (earlyDeaths - 1), LONGEST_PAUSE_MS);
}

export interface Workers {
  /** Resolves once all `count` workers listen; rejects if one exits before. */
  listening: Promise<void>;
  stop(): Promise<void>;
}

/** Forks `count` workers, replacing any that dies once all have listened. */
export function startWorkers(count: number, say: (line: string) => void): Workers {
  let stopping = false;
  let started = false;
  let earlyDeaths = 0;
  const live = new Set<Worker>();
  const pending = new Set<NodeJS.Timeout>();
  const fork = (): void => {
    const worker = cluster.fork();
    const startedAt = Date.now();
    live.add(worker);
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      if (stopping || !started) return;
      earlyDeaths = Date.now() - startedAt < STABLE_RUN_MS ? earlyDeaths + 1 : 0;
      const pause = restartPauseMs(earlyDeaths);
      say(
        `server process ${worker.process.pid} exited (${signal ?? `code ${code}`}); ` +
          (pause === 0 ? 'starting another' : `starting another in ${pause / 1000} s`),
      );
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!stopping) fork();
      }, pause);
      pending.add(timer);
    });
  };
  const stop = async () => {
    stopping = true;
    for (const timer of pending) clearTimeout(timer);
    await Promise.all(
      [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };
  const listening = new Promise<void>((resolve, reject) => {
    let listeners = 0;
    const onStartupExit = (_worker: Worker, code: number | null) => {
      cluster.off('exit', onStartupExit);
      if (started || stopping) return;
      void stop().then(() => reject(new Error(`a server process exited (code ${code}) before listening; see its message above`)));
    };
    const onListening = () => {
      listeners += 1;
      if (listeners < count) return;
      started = true;
      cluster.off('listening', onListening);
      cluster.off('exit', onStartupExit);
      resolve();
    };
    cluster.on('exit', onStartupExit);
    cluster.on('listening', onListening);
  });
  for (let i = 0; i < count; i++) fork();
  return { listening, stop };
}
