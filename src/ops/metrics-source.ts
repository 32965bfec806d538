/**
 * Where a scrape's text comes from. One process: its own registry. With
 * WORKERS, the whole server: the primary gathers every worker's registry
 * through prom-client's AggregatorRegistry (counters and histograms summed,
 * process metrics by their own rule, database-wide gauges taken once); a
 * worker that receives a scrape on the shared port asks the primary for
 * that whole and answers it, so no scrape sees one worker at random.
 * Messages between worker and primary carry the metrics text only.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

export interface MetricsText {
  contentType: string;
  text: string;
}

export type MetricsSource = () => Promise<MetricsText>;

const REQUEST = 'sesame:metrics-request';
const REPLY = 'sesame:metrics-reply';
/** prom-client gives up on a worker after 5 s; the asking worker waits a little longer for the primary's answer. */
const WORKER_WAIT_MS = 7_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsReply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** This process's own registry. */
export function localMetrics(registry: Registry): MetricsSource {
  return async () => ({ contentType: registry.contentType, text: await registry.metrics() });
}

/**
 * In a worker: makes `registry` the one the primary gathers, and returns a
 * source that asks the primary for the whole server's metrics.
 */
function workerMetrics(registry: Registry): MetricsSource {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's answer to the primary's requests for this worker's registry.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, (reply: MetricsReply) => void>();
  process.on('message', (message: unknown) => {
    if (isMessage<MetricsReply>(message, REPLY)) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary process did not gather the metrics in time'));
      }, WORKER_WAIT_MS);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (reply.text === undefined) reject(new Error(`the primary process could not gather the metrics: ${reply.error}`));
        else resolve({ contentType: registry.contentType, text: reply.text });
      });
      process.send!({ type: REQUEST, id } satisfies MetricsRequest);
    });
}

/** The source of a server's /metrics: its own registry, or, in a worker, the whole server's through the primary. */
export function metricsSourceFor(registry: Registry): MetricsSource {
  return cluster.isWorker ? workerMetrics(registry) : localMetrics(registry);
}

/**
 * In the primary of WORKERS processes: answers the workers' requests for the
 * whole server's metrics, and returns the same source (for METRICS_PORT).
 */
export function primaryMetrics(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  const gather: MetricsSource = async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() });
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const { id } = message;
    gather().then(
      ({ text }) => worker.isConnected() && worker.send({ type: REPLY, id, text } satisfies MetricsReply),
      (error: unknown) =>
        worker.isConnected() &&
        worker.send({ type: REPLY, id, error: String((error as Error)?.message ?? error) } satisfies MetricsReply),
    );
  });
  return gather;
}
