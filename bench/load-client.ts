/**
 * Load generator for bench/auth.ts, run as a separate process so that it
 * never shares the measured server's event loop:
 *
 *   node --import tsx bench/load-client.ts <config.json>
 *
 * Opens `connections` keep-alive HTTP connections to 127.0.0.1 and runs one
 * closed loop per connection (send, wait for the reply, send again), taking
 * the Authorization headers of the config in turn. Two modes:
 * - `duration`: a warm-up, then a fixed measurement window; the replies
 *   received inside the window are counted (throughput = replies / window,
 *   latency of each = reply time − send time). Stops sending at the end.
 * - `count`: exactly `requests` requests, all counted, no warm-up.
 * Prints one JSON object (LoadResult) on standard output and exits.
 */
import fs from 'node:fs';
import http from 'node:http';

export interface LoadConfig {
  port: number;
  path: string;
  /** `Basic …` header values, used in turn. */
  authorizations: string[];
  connections: number;
  mode: 'duration' | 'count';
  warmupMs: number;
  durationMs: number;
  requests: number;
  expectStatus: number;
}

export interface LoadResult {
  connections: number;
  /** Requests counted (completed in the window, or all in count mode). */
  requests: number;
  /** Requests completed in total, warm-up included. */
  totalRequests: number;
  /** Counted requests whose status was not `expectStatus`, by status. */
  unexpected: Record<string, number>;
  /** Network errors and timeouts (not counted as requests). */
  errors: number;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

const REQUEST_TIMEOUT_MS = 30_000;

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest-rank: the smallest value with at least q of the samples at or below it.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function once(agent: http.Agent, config: LoadConfig, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: config.port,
        path: config.path,
        method: 'GET',
        agent,
        headers: { authorization, 'user-agent': 'sesame-bench' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
    request.end();
  });
}

async function run(config: LoadConfig): Promise<LoadResult> {
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  let errors = 0;
  let totalRequests = 0;
  let next = 0;
  let issued = 0;

  const start = performance.now();
  const windowStart = config.mode === 'duration' ? start + config.warmupMs : start;
  const windowEnd = config.mode === 'duration' ? windowStart + config.durationMs : Number.POSITIVE_INFINITY;
  let lastCompletion = start;

  const shouldSend = (now: number): boolean => (config.mode === 'duration' ? now < windowEnd : issued < config.requests);

  async function loop(): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (shouldSend(performance.now())) {
        issued += 1;
        const authorization = config.authorizations[next++ % config.authorizations.length]!;
        const sent = performance.now();
        let status: number;
        try {
          status = await once(agent, config, authorization);
        } catch {
          errors += 1;
          continue;
        }
        const done = performance.now();
        totalRequests += 1;
        // Counted: replies received inside the window (as wrk does), whenever they were sent.
        if (done < windowStart || done > windowEnd) continue;
        lastCompletion = Math.max(lastCompletion, done);
        latencies.push(done - sent);
        if (status !== config.expectStatus) unexpected[String(status)] = (unexpected[String(status)] ?? 0) + 1;
      }
    } finally {
      agent.destroy();
    }
  }

  await Promise.all(Array.from({ length: config.connections }, () => loop()));

  const elapsedMs = config.mode === 'duration' ? config.durationMs : lastCompletion - start;
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    connections: config.connections,
    requests: latencies.length,
    totalRequests,
    unexpected,
    errors,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: latencies.length ? sum / latencies.length : Number.NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node --import tsx bench/load-client.ts <config.json>\n');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as LoadConfig;
const result = await run(config);
process.stdout.write(JSON.stringify(result) + '\n');
