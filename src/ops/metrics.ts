/**
 * The server's Prometheus metrics (prom-client): one registry per server,
 * the instruments the HTTP layer and authentication record into, and
 * `counter` / `gauge` / `histogram` for any other part that adds its own
 * (each registered in this server's registry, never prom-client's global
 * one, so that several servers in one process keep apart).
 *
 * Labels come from closed sets only — a surface, a method, a status, an
 * outcome. Never a username, an address, a path, a password's name or
 * anything a client chose: one more label value is one more time series
 * kept for ever, and these counts are read by whoever holds the metrics
 * token. Recording costs a few map operations; nothing here reads the
 * database on a request (what the database holds is counted at scrape time).
 */
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { BASIC_AUTH_OUTCOMES, type BasicAuthObserver, type BasicAuthOutcome } from '../auth/basic-outcome.js';

/** Where a request went: a Basic-auth surface of the registry, or one of the server's own parts. */
export const REQUEST_SURFACES = ['webdav', 'sync', 'shares', 'api', 'sso', 'ops', 'web'] as const;
export type RequestSurface = (typeof REQUEST_SURFACES)[number];

/** Methods counted under their own name; any other is counted as `other` (a client may send any token). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'REPORT',
  'SEARCH',
]);

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

/** Seconds: API calls take milliseconds, WebDAV transfers of large files minutes. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface ObservedRequest {
  surface: RequestSurface;
  method: string;
  status: number;
  seconds: number;
  bytesIn: number;
  bytesOut: number;
}

export class Metrics implements BasicAuthObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'surface' | 'method' | 'status'>;
  private readonly durations: Histogram<'surface' | 'method'>;
  private readonly bytes: Counter<'surface' | 'direction'>;
  private readonly basicAuth: Counter<'outcome'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    this.requests = this.counter({
      name: 'sesame_http_requests_total',
      help: 'HTTP requests answered, by surface, method and status.',
      labelNames: ['surface', 'method', 'status'],
    });
    this.durations = this.histogram({
      name: 'sesame_http_request_duration_seconds',
      help: 'Time from the request to the end of its answer, by surface and method.',
      labelNames: ['surface', 'method'],
      buckets: DURATION_BUCKETS,
    });
    this.bytes = this.counter({
      name: 'sesame_http_bytes_total',
      help: 'Bytes on the wire (headers included), by surface and direction (in: from clients, out: to clients).',
      labelNames: ['surface', 'direction'],
    });
    this.basicAuth = this.counter({
      name: 'sesame_basic_auth_attempts_total',
      help: 'Basic-auth attempts by outcome: success, why a refusal was refused, throttled, no credentials, unavailable.',
      labelNames: ['outcome'],
    });
    // Every outcome from the start, so that a rate over a refusal that never happened yet reads 0, not nothing.
    for (const outcome of BASIC_AUTH_OUTCOMES) this.basicAuth.inc({ outcome }, 0);
    // Event-loop lag, heap, CPU, open descriptors, garbage collection: prom-client's own process metrics.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  observeRequest(observed: ObservedRequest): void {
    const { surface } = observed;
    const method = methodLabel(observed.method);
    this.requests.inc({ surface, method, status: observed.status });
    this.durations.observe({ surface, method }, observed.seconds);
    if (observed.bytesIn > 0) this.bytes.inc({ surface, direction: 'in' }, observed.bytesIn);
    if (observed.bytesOut > 0) this.bytes.inc({ surface, direction: 'out' }, observed.bytesOut);
  }

  basicAuthAttempt(outcome: BasicAuthOutcome): void {
    this.basicAuth.inc({ outcome });
  }
}
