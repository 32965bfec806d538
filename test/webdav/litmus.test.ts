/**
 * litmus (Debian `litmus`), the WebDAV conformance suite, against a real
 * server with an app password: all of basic, copymove, props, locks and
 * http — 104 tests, no failure and no warning — on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { requireTool, startDavServer, type DavAccount } from '../helpers/dav.js';

const run = promisify(execFile);
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];

for (const dialect of DIALECTS) {
  describe(`litmus on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
    });
    after(() => server.close());

    it('passes all 104 tests of basic, copymove, props, locks and http with no warning', async () => {
      requireTool('/usr/bin/litmus', 'litmus');
      const litmus = async (account: DavAccount) => {
        // Its own directory per run: litmus writes debug.log and child.log where it runs.
        const cwd = mkdtempSync(path.join(os.tmpdir(), 'sesame-litmus-'));
        // `--`: a secret may begin with '-' (1 in 89), which getopt would take for options,
        // leaving litmus with no password (it then stops after init on a 401).
        return run('/usr/bin/litmus', ['--', `${server.url}/dav/`, account.username, account.password], {
          cwd,
          env: { ...process.env, TESTS: SUITES.join(' ') },
          timeout: 180_000,
          maxBuffer: 4 * 1024 * 1024,
        })
          .catch((error: { stdout?: string; code?: unknown; signal?: unknown }) => ({
            stdout: `${error.stdout ?? String(error)}\n[litmus exit code ${String(error.code)}, signal ${String(error.signal)}]`,
          }))
          .finally(() => rmSync(cwd, { recursive: true, force: true }));
      };
      const { stdout } = await litmus(alice);
      const summaries = [...stdout.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)];
      assert.deepEqual(
        summaries.map((m) => m[1]),
        SUITES,
        stdout,
      );
      const total = summaries.reduce((sum, m) => sum + Number(m[2]), 0);
      const failed = summaries.reduce((sum, m) => sum + Number(m[4]), 0);
      assert.equal(failed, 0, stdout);
      assert.equal(total, 104, stdout);
      assert.doesNotMatch(stdout, /warning/i, stdout);
    });
  });
}
