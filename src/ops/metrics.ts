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
 * token. Recording a request costs a few map operations
 * (ops/request-metrics.ts); nothing here reads the database on a request
 * (what the database holds is counted at scrape time).
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
import type { AnsweredRequest } from '../http/request-log.js';
import { RequestMetrics } from './request-metrics.js';

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

export class Metrics implements BasicAuthObserver {
  readonly registry = new Registry();
  private readonly requests: RequestMetrics;
  /** Every outcome from the start, so that a rate over a refusal that never happened yet reads 0, not nothing. */
  private readonly basicAuth = new Map<BasicAuthOutcome, number>(BASIC_AUTH_OUTCOMES.map((outcome) => [outcome, 0]));

  constructor(options: { processMetrics?: boolean } = {}) {
    this.requests = new RequestMetrics(this.registry);
    const attempts = this.basicAuth;
    this.counter({
      name: 'sesame_basic_auth_attempts_total',
      help: 'Basic-auth attempts by outcome: success, why a refusal was refused, throttled, no credentials, unavailable.',
      labelNames: ['outcome'],
      // Counted in a plain map on each attempt, shown when scraped.
      collect() {
        this.reset();
        for (const [outcome, count] of attempts) this.inc({ outcome }, count);
      },
    });
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

  observeRequest(answered: AnsweredRequest): void {
    this.requests.record(answered, methodLabel(answered.method));
  }

  basicAuthAttempt(outcome: BasicAuthOutcome): void {
    this.basicAuth.set(outcome, this.basicAuth.get(outcome)! + 1);
  }
}
