/**
 * Two server processes on one data directory (as WORKERS > 1 runs them):
 * while each overwrites a file that always exists, GETs through both never
 * answer 404 — a read that opened the version another process then renamed
 * a new one over serves the version it opened — and every body is one whole
 * version. The race is between the processes' file operations, not their
 * database: SQLite only.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { type DavAccount } from '../helpers/dav.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READS = 10_000;
const READERS = 4;
const SIZE = 8 * 1024;
const TIME_LIMIT_MS = 240_000;

/** One of the versions the writers put: SIZE bytes of one letter. */
function version(letter: string): Buffer {
  return Buffer.alloc(SIZE, letter);
}

describe('GET racing overwrites from another process', () => {
  const dataDir = tempDir();
  let child: ChildProcess;
  let local: TestServer | undefined;
  let urls: string[];
  let alice: DavAccount;
  // One kept-alive connection pool per process, as a sync client keeps its connections.
  const agent = new http.Agent({ keepAlive: true, maxSockets: READERS + 2 });

  function call(url: string, method: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${url}/dav/shared.bin`,
        {
          method,
          agent,
          headers: { authorization: `Basic ${Buffer.from(`alice:${alice.password}`).toString('base64')}` },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  before(async () => {
    const secretKeyHex = crypto.randomBytes(32).toString('hex');
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SESAME_SECRET_KEY: secretKeyHex };
    for (const name of ['DATABASE_URL', 'NODE_TEST_CONTEXT']) delete env[name];
    child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/dav-child.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('\n')) resolve(output.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`the server process exited with ${code}`)));
    });
    const started = JSON.parse(line) as { url: string; userId: string; password: string };
    alice = { userId: started.userId, username: 'alice', password: started.password };
    // The second process is this one: a server on the same data directory, database and key.
    local = await startServer({ dialect: 'sqlite', dataDir, secretKeyHex });
    urls = [started.url, local.url];
  });

  after(async () => {
    agent.destroy();
    child?.kill('SIGTERM');
    await local?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers ${READS} racing reads through both processes with 0 false 404`, { timeout: TIME_LIMIT_MS + 30_000 }, async () => {
    assert.equal((await call(urls[0]!, 'PUT', version('a'))).status, 201);
    const started = performance.now();
    let claimed = 0;
    let reads = 0;
    let writes = 0;
    const statuses = new Map<number, number>();
    let torn = 0;
    let done = false;
    const versions = new Set(['a', 'b', 'c'].map((letter) => version(letter).toString('latin1')));

    const writer = async (url: string, letters: string[]) => {
      for (let i = 0; !done; i++) {
        const reply = await call(url, 'PUT', version(letters[i % letters.length]!));
        assert.ok(reply.status === 204 || reply.status === 201, `PUT answered ${reply.status}`);
        writes++;
      }
    };
    const reader = async (first: number) => {
      for (let i = first; claimed < READS && performance.now() - started < TIME_LIMIT_MS; i++) {
        claimed++;
        const reply = await call(urls[i % 2]!, 'GET');
        reads++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status === 200 && !versions.has(reply.body.toString('latin1'))) torn++;
      }
    };
    const writers = [writer(urls[0]!, ['b', 'a']), writer(urls[1]!, ['c', 'a'])];
    await Promise.all(Array.from({ length: READERS }, (_, i) => reader(i)));
    done = true;
    await Promise.all(writers);

    const summary = `${reads} reads, ${writes} writes, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
    assert.equal(reads, READS, `all reads done in time: ${summary}`);
    assert.ok(writes >= 100, `the writers kept overwriting: ${summary}`);
    assert.equal(statuses.get(404) ?? 0, 0, `false 404s: ${summary}`);
    assert.equal(statuses.get(200), READS, summary);
    assert.equal(torn, 0, `bodies that were no whole version: ${summary}`);
  });
});
