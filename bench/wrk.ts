/**
 * Runs Debian's `wrk` against a server on 127.0.0.1 for a bounded time and
 * reads its result: a Lua script sends the case's method, headers and body,
 * takes the Authorization headers in turn (none for an unauthenticated
 * route) and prints one JSON line at the end.
 * A missing `wrk` stops the benchmark with the package to install.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const WRK = '/usr/bin/wrk';

export interface WrkCase {
  port: number;
  path: string;
  /** `Basic …` values used in turn; empty: no Authorization header. */
  authorizations: string[];
  connections: number;
  threads: number;
  durationS: number;
  /** GET unless given. */
  method?: string;
  /** Sent with every request, besides the Authorization one. */
  headers?: Record<string, string>;
  body?: string;
  /** Seconds before wrk counts a request as timed out (5 unless given). */
  timeoutS?: number;
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Replies whose status was not 2xx or 3xx. */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
}

function luaString(value: string): string {
  return JSON.stringify(value);
}

function script(c: WrkCase): string {
  // One Authorization value is a fixed header: no table is built per request.
  const single = c.authorizations.length === 1 ? { Authorization: c.authorizations[0]! } : {};
  const rotating = c.authorizations.length === 1 ? [] : c.authorizations;
  const fixed = Object.entries({ ...c.headers, ...single }).map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`);
  return `
local method, path, body = ${luaString(c.method ?? 'GET')}, ${luaString(c.path)}, ${c.body === undefined ? 'nil' : luaString(c.body)}
local fixed = { ${fixed.join(', ')} }
local headers = { ${rotating.map(luaString).join(', ')} }
local counter = 0
request = function()
  if #headers == 0 then return wrk.format(method, path, fixed, body) end
  counter = counter % #headers + 1
  local sent = { ["Authorization"] = headers[counter] }
  for name, value in pairs(fixed) do sent[name] = value end
  return wrk.format(method, path, sent, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"non2xx":%d,"socketErrors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
`;
}

export async function runWrk(tmp: string, c: WrkCase): Promise<WrkResult> {
  if (!fs.existsSync(WRK)) throw new Error(`${WRK} is missing: install the Debian package wrk (apt-get install -y wrk)`);
  const file = path.join(tmp, `wrk-${c.port}-${Date.now()}.lua`);
  fs.writeFileSync(file, script(c));
  const args = [
    '-t',
    String(c.threads),
    '-c',
    String(c.connections),
    '-d',
    `${c.durationS}s`,
    '--timeout',
    `${c.timeoutS ?? 5}s`,
    '-s',
    file,
  ];
  const child = spawn(WRK, [...args, `http://127.0.0.1:${c.port}${c.path}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), (c.durationS + 30) * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(guard));
  const line = stdout.split('\n').find((l) => l.startsWith('WRK-RESULT '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${stderr.trim()}\n${stdout.trim()}`);
  const raw = JSON.parse(line.slice('WRK-RESULT '.length)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    non2xx: number;
    socketErrors: number;
  };
  return {
    requests: raw.requests,
    requestsPerSecond: raw.requests / (raw.durationUs / 1e6),
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    non2xx: raw.non2xx,
    socketErrors: raw.socketErrors,
  };
}
