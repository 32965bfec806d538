/**
 * The per-request metrics — requests by surface, method and status, their
 * durations by surface and method, bytes by surface and direction — kept in
 * plain nested maps while requests are answered, and shown to prom-client
 * only when scraped, as three metrics of its registry. Recording a request
 * is a few map lookups and additions: no label validation, no label hashing,
 * no string built, since it runs on every request (prom-client's own
 * `inc` / `observe` cost several times more). The scrape turns the maps
 * into prom-client's value shape, so its text format and its aggregation of
 * WORKERS processes (summed) apply unchanged.
 */
import type { Metric, MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import type { AnsweredRequest } from '../http/request-log.js';

/** Seconds: API calls take milliseconds, WebDAV transfers of large files minutes. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

interface Duration {
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last one past every bound (+Inf). */
  buckets: number[];
}

/** A value per key, nested: surface → method → status. */
type Nested<T> = Map<string, Map<string, T>>;

function entry<T>(map: Nested<T>, outer: string, inner: string, create: () => T): T {
  let level = map.get(outer);
  if (level === undefined) {
    level = new Map();
    map.set(outer, level);
  }
  let value = level.get(inner);
  if (value === undefined) {
    value = create();
    level.set(inner, value);
  }
  return value;
}

/** One metric of the registry, shown as prom-client shows its own (name, help, type, values). */
function scraped(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => (MetricValue<string> | MetricValueWithName<string>)[],
): Metric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async (): Promise<MetricObjectWithValues<MetricValue<string>>> =>
      ({ name, help, type, aggregator: 'sum', values: values() }) as unknown as MetricObjectWithValues<MetricValue<string>>,
  } as unknown as Metric;
}

export class RequestMetrics {
  /** surface → method → status → requests. */
  private readonly requests: Nested<Map<number, number>> = new Map();
  private readonly durations: Nested<Duration> = new Map();
  /** surface → [in, out]. */
  private readonly bytes = new Map<string, [number, number]>();

  constructor(registry: Registry) {
    registry.registerMetric(
      scraped('sesame_http_requests_total', 'HTTP requests answered, by surface, method and status.', 'counter', () =>
        [...this.requests].flatMap(([surface, methods]) =>
          [...methods].flatMap(([method, statuses]) =>
            [...statuses].map(([status, value]) => ({ labels: { surface, method, status }, value })),
          ),
        ),
      ),
    );
    registry.registerMetric(
      scraped(
        'sesame_http_request_duration_seconds',
        'Time from the request to the end of its answer, by surface and method.',
        'histogram',
        () =>
          [...this.durations].flatMap(([surface, methods]) =>
            [...methods].flatMap(([method, duration]) => {
              let cumulative = 0;
              const buckets = duration.buckets.map((count, i) => {
                cumulative += count;
                const le = i < DURATION_BUCKETS.length ? DURATION_BUCKETS[i]! : '+Inf';
                return {
                  metricName: 'sesame_http_request_duration_seconds_bucket',
                  labels: { le, surface, method },
                  value: cumulative,
                };
              });
              return [
                ...buckets,
                { metricName: 'sesame_http_request_duration_seconds_sum', labels: { surface, method }, value: duration.sum },
                { metricName: 'sesame_http_request_duration_seconds_count', labels: { surface, method }, value: duration.count },
              ];
            }),
          ),
      ),
    );
    registry.registerMetric(
      scraped(
        'sesame_http_bytes_total',
        'Bytes on the wire (headers included), by surface and direction (in: from clients, out: to clients).',
        'counter',
        () =>
          [...this.bytes].flatMap(([surface, [bytesIn, bytesOut]]) => [
            { labels: { surface, direction: 'in' }, value: bytesIn },
            { labels: { surface, direction: 'out' }, value: bytesOut },
          ]),
      ),
    );
  }

  /** One answered request; `method` is already reduced to a known method or `other`. */
  record(answered: AnsweredRequest, method: string): void {
    const { surface, status, seconds } = answered;
    const statuses = entry(this.requests, surface, method, () => new Map<number, number>());
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const duration = entry(this.durations, surface, method, () => ({
      count: 0,
      sum: 0,
      buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
    }));
    duration.count += 1;
    duration.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    duration.buckets[bucket]! += 1;
    let bytes = this.bytes.get(surface);
    if (bytes === undefined) {
      bytes = [0, 0];
      this.bytes.set(surface, bytes);
    }
    bytes[0] += answered.bytesIn;
    bytes[1] += answered.bytesOut;
  }
}
