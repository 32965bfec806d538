/**
 * Steady client load for fault tests: a few loops that each send one
 * request after another until stopped, and a record of every outcome —
 * the status, the error code a surface gave (JSON `error.code`, or the XML
 * of WebDAV), `Retry-After`, or the network error when no answer came. A
 * request that gets no answer within its time limit counts as a network
 * error. The loops stop by themselves after `maxMs` at the latest.
 */
import http from 'node:http';

export interface Outcome {
  label: string;
  /** 0 when no HTTP answer came (connection refused or reset, time limit). */
  status: number;
  code?: string;
  retryAfter?: string;
  contentType?: string;
  body: string;
  error?: string;
  at: number;
}

export interface Call {
  label: string;
  url: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request with a time limit; never rejects. */
export function send(call: Call, timeoutMs = 30_000): Promise<Outcome> {
  const at = Date.now();
  return new Promise((resolve) => {
    const body = call.body;
    const req = http.request(new URL(call.path, call.url), {
      method: call.method ?? 'GET',
      headers: { ...call.headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      agent: false,
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ label: call.label, status: 0, body: '', error: error.message, at }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve({ label: call.label, status: 0, body: '', error: error.message, at }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = res.headers['content-type'] ?? '';
        let code: string | undefined;
        if (contentType.includes('json')) {
          try {
            code = JSON.parse(text)?.error?.code;
          } catch {
            code = 'NOT_JSON';
          }
        }
        resolve({
          label: call.label,
          status: res.statusCode ?? 0,
          ...(code === undefined ? {} : { code }),
          ...(res.headers['retry-after'] === undefined ? {} : { retryAfter: String(res.headers['retry-after']) }),
          contentType,
          body: text,
          at,
        });
      });
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export class SteadyLoad {
  readonly outcomes: Outcome[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  /** `calls` are sent in turn by each of `concurrency` loops, `pauseMs` apart. */
  constructor(
    private readonly calls: Call[],
    private readonly options: { concurrency: number; pauseMs: number; maxMs: number },
  ) {}

  start(): this {
    this.running = true;
    const until = Date.now() + this.options.maxMs;
    this.loops = Array.from({ length: this.options.concurrency }, async (_, loop) => {
      for (let i = loop; this.running && Date.now() < until; i++) {
        this.outcomes.push(await send(this.calls[i % this.calls.length]!));
        await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
      }
    });
    return this;
  }

  /** Stops the loops and returns what they saw since `since` (all by default). */
  async stop(since = 0): Promise<Outcome[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.outcomes.filter((outcome) => outcome.at >= since);
  }

  since(at: number): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.at >= at);
  }
}

/** "label status code" counts, for assertion messages. */
export function tally(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = `${o.label} ${o.status}${o.code ? ` ${o.code}` : ''}${o.error ? ` (${o.error})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} ×${n}`).join(', ');
}
