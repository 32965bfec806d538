/**
 * deploy/sesame.service: `systemd-analyze verify` accepts it without a
 * single warning; it runs as its own user with its environment file, writes
 * only to the data directory under ProtectSystem=strict, and restarts on
 * failure. The stop it asks for is graceful: `sesame serve` with WORKERS=2,
 * sent SIGTERM as systemd does (KillMode=mixed: the main process only),
 * lets a download in flight finish, then exits 0 well within
 * TimeoutStopSec.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/build.js';
import { requireTool } from '../helpers/dav.js';
import { basic, signIn } from '../helpers/http.js';
import { startNode } from '../helpers/served-node.js';

const run = promisify(execFile);
const UNIT = path.join(ROOT, 'deploy/sesame.service');

/** The unit's settings of one section, as `key=value` lines. */
function settings(section: string): string[] {
  const text = fs.readFileSync(UNIT, 'utf8');
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('deploy/sesame.service', () => {
  it('passes systemd-analyze verify with nothing to say', async () => {
    requireTool('/usr/bin/systemd-analyze', 'systemd');
    const { stdout, stderr } = await run('/usr/bin/systemd-analyze', ['verify', UNIT], { cwd: path.dirname(UNIT) });
    assert.equal(stdout + stderr, '', 'no warning');
  });

  it('runs as its own user from /etc/sesame/sesame.env, writes only to its data directory, and restarts on failure', () => {
    const service = settings('Service');
    for (const setting of [
      'User=sesame',
      'Group=sesame',
      'EnvironmentFile=/etc/sesame/sesame.env',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/sesame',
      'StateDirectory=sesame',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'Restart=on-failure',
      'KillMode=mixed',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=30s',
    ]) {
      assert.ok(service.includes(setting), `[Service] lacks ${setting}`);
    }
    assert.match(
      service.find((line) => line.startsWith('ExecStart='))!,
      /dist\/cli\/main\.js serve$/,
    );
    assert.ok(settings('Install').includes('WantedBy=multi-user.target'));
  });

  it('stops gracefully on SIGTERM to the main process: a download in flight finishes, then exit code 0', async () => {
    const node = await startNode({ env: { WORKERS: '2' }, ready: /password\n\n\s+(\S+)/ });
    let code: number | null;
    try {
      const admin = await signIn(node.url, 'admin', /password\n\n\s+(\S+)/.exec(node.output())![1]!);
      const created = await admin.call('/api/v1/app-passwords', {
        method: 'POST',
        body: { name: 'drive', application: 'webdav' },
      });
      const auth = basic('admin', created.json.password);
      const size = 64 * 1024 * 1024;
      const put = await fetch(`${node.url}/dav/big.bin`, { method: 'PUT', headers: auth, body: Buffer.alloc(size, 7) });
      assert.equal(put.status, 201);
      // A download read slowly: still running when the stop is asked for.
      const received = new Promise<number>((resolve, reject) => {
        http.get(`${node.url}/dav/big.bin`, { headers: auth, agent: false }, (res) => {
          let bytes = 0;
          res.once('data', () => void node.child.kill('SIGTERM'));
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
        });
      });
      assert.equal(await received, size, 'the download in flight was finished');
      // It ends by itself: a second SIGTERM would find the default action again, as it would under systemd.
      const asked = Date.now();
      while (!node.exited() && Date.now() - asked < 30_000) await sleep(50);
      assert.ok(node.exited(), 'stopped within TimeoutStopSec');
    } finally {
      code = await node.stop();
    }
    assert.equal(code, 0, node.output());
  });
});
