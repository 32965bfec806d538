/**
 * Prometheus from Debian scrapes a `sesame serve` with WORKERS=2 (the built
 * CLI) at /metrics with its Bearer token. The requests sent are answered by
 * both workers, yet Prometheus's query API shows the request counter equal
 * to the number sent, and a wrong Basic password counted under its reason:
 * each scrape, whichever worker takes it, shows the whole server (the
 * primary gathers every worker's counts). METRICS_PORT serves the same
 * counts on 127.0.0.1 without a token.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startNode, type ServedNode } from '../helpers/served-node.js';
import { freePort } from '../helpers/pg-cluster.js';
import { onFreePort, tempDir } from '../helpers/server.js';
import { basic, request, signIn } from '../helpers/http.js';
import { sumOf, valueOf } from './metrics-text.js';

const PROMETHEUS = '/usr/bin/prometheus';
const TOKEN = 'scrape-Xq7-Lm2_Rt9.Vw4~Kp8+Nb3/Yc6-Zd1';
const SENT = 40;

interface Prometheus {
  url: string;
  stop(): Promise<void>;
}

/** Debian's Prometheus on a free loopback port, scraping `target` every second, with a data directory of its own. */
async function startPrometheus(target: string, dir: string): Promise<Prometheus> {
  if (!fs.existsSync(PROMETHEUS)) throw new Error(`No ${PROMETHEUS}: install the Debian package "prometheus".`);
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: sesame',
      '    authorization:',
      '      type: Bearer',
      `      credentials: ${TOKEN}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  return onFreePort(async (port) => {
    let output = '';
    const child: ChildProcess = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    const url = `http://127.0.0.1:${port}`;
    for (const started = Date.now(); ; await sleep(200)) {
      if (child.exitCode !== null) {
        const error = new Error(`prometheus exited:\n${output}`);
        throw /address already in use/.test(output) ? Object.assign(error, { code: 'EADDRINUSE' }) : error;
      }
      const ready = await request(url, '/-/ready').catch(() => null);
      if (ready?.status === 200) return { url, stop };
      if (Date.now() - started > 60_000) {
        await stop();
        throw new Error(`prometheus was not ready within 60 s:\n${output}`);
      }
    }
  });
}

/** One value of an instant query, or null while it has no result. */
async function query(prometheus: Prometheus, expression: string): Promise<number | null> {
  const reply = await request(prometheus.url, `/api/v1/query?query=${encodeURIComponent(expression)}`);
  assert.equal(reply.status, 200, reply.text);
  const result = reply.json.data.result as { value: [number, string] }[];
  return result.length === 0 ? null : Number(result[0]!.value[1]);
}

/** Waits until `expression` reads `expected` (Prometheus scrapes every second); fails with the last reading. */
async function untilQueryReads(prometheus: Prometheus, expression: string, expected: number, withinMs = 30_000): Promise<void> {
  let last: number | null = null;
  for (const started = Date.now(); Date.now() - started < withinMs; await sleep(500)) {
    last = await query(prometheus, expression);
    if (last === expected) return;
  }
  assert.fail(`${expression} read ${last}, expected ${expected}`);
}

describe('Prometheus scraping WORKERS=2', () => {
  let node: ServedNode;
  let prometheus: Prometheus;
  let metricsPort: number;
  const dir = tempDir('sesame-prometheus-');

  before(async () => {
    metricsPort = await freePort();
    node = await startNode({
      env: { WORKERS: '2', METRICS_TOKEN: TOKEN, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
      ready: /password\n\n\s+(\S+)/,
    });
    prometheus = await startPrometheus(`127.0.0.1:${node.port}`, dir);
  });
  after(async () => {
    await prometheus?.stop();
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the request counter equal to the requests sent, and a wrong password under its reason', async () => {
    const password = /password\n\n\s+(\S+)/.exec(node.output())![1]!;
    const admin = await signIn(node.url, 'admin', password);
    const created = await admin.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'drive', application: 'webdav' } });
    assert.equal(created.status, 201, created.text);
    const auth = basic('admin', created.json.password);
    await untilQueryReads(prometheus, 'up{job="sesame"}', 1);

    for (let i = 0; i < SENT; i++) {
      const reply = await request(node.url, '/dav/', { method: 'PROPFIND', headers: { ...auth, depth: '0' } });
      assert.equal(reply.status, 207, reply.text);
    }
    const wrong = await request(node.url, '/dav/', {
      method: 'PROPFIND',
      headers: { ...basic('admin', 'Not-the-secret-00!'), depth: '0' },
    });
    assert.equal(wrong.status, 401);

    // Both workers answered some of them: no one worker's counts could add up to the number sent.
    await sleep(200);
    const pids = new Set(
      node
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"method":"PROPFIND"') && line.includes('"statusCode":207'))
        .map((line) => JSON.parse(line).pid as number),
    );
    assert.equal(pids.size, 2, 'both workers answered');

    await untilQueryReads(prometheus, 'sum(sesame_http_requests_total{surface="webdav",method="PROPFIND",status="207"})', SENT);
    await untilQueryReads(prometheus, 'sesame_basic_auth_attempts_total{outcome="not-an-app-password"}', 1);
    await untilQueryReads(prometheus, 'sesame_basic_auth_attempts_total{outcome="success"}', SENT);
    assert.equal(await query(prometheus, 'sum(sesame_app_passwords{application="webdav",state="active"})'), 1);

    // The loopback port of METRICS_PORT (served by the primary) shows the same whole, without a token.
    const direct = await request(`http://127.0.0.1:${metricsPort}`, '/metrics');
    assert.equal(direct.status, 200);
    assert.equal(
      sumOf(direct.text, 'sesame_http_requests_total', { surface: 'webdav', method: 'PROPFIND', status: '207' }),
      SENT,
    );
    assert.equal(valueOf(direct.text, 'sesame_basic_auth_attempts_total', { outcome: 'not-an-app-password' }), 1);
    assert.equal((await request(`http://127.0.0.1:${metricsPort}`, '/')).status, 404);
  });
});
