/**
 * `WORKERS` server processes on one machine with node:cluster: the primary
 * forks them and they share the listening port. Everything the processes
 * must agree on (passwords, throttling, locks, properties) is in the
 * database, so the primary holds no state. A worker that dies is replaced;
 * SIGINT/SIGTERM stop them all. Never used with WORKERS=1.
 */
import cluster, { type Worker } from 'node:cluster';

export const isWorkerProcess = (): boolean => cluster.isWorker;

/** Closes a worker's channel to the primary, which would otherwise keep the stopped worker alive. */
export function leaveCluster(): void {
  cluster.worker?.disconnect();
}

/** Forks `count` workers and resolves once all listen; rejects if one exits first. */
export function startWorkers(count: number): Promise<{ stop(): Promise<void> }> {
  let stopping = false;
  const live = new Set<Worker>();
  const fork = (): Worker => {
    const worker = cluster.fork();
    live.add(worker);
    worker.on('exit', () => live.delete(worker));
    return worker;
  };
  const stop = async () => {
    stopping = true;
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
  return new Promise((resolve, reject) => {
    let listening = 0;
    const onStartupExit = (worker: Worker, code: number | null) => {
      if (listening < count) {
        void stop().then(() =>
          reject(new Error(`a server process exited (code ${code}) before listening; see its message above`)),
        );
        return;
      }
      if (!stopping && live.size < count) {
        process.stderr.write(`sesame: server process ${worker.process.pid} exited (code ${code}); starting another\n`);
        fork();
      }
    };
    cluster.on('exit', onStartupExit);
    cluster.on('listening', () => {
      listening += 1;
      if (listening === count) resolve({ stop });
    });
    for (let i = 0; i < count; i++) fork();
  });
}
