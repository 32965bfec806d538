/**
 * The `sesame` command as real processes (node dist/cli/main.js, the built
 * CLI that `npm start` runs; rebuilt first when a source in src/ is newer):
 * help and argument errors; `serve` on an empty data directory printing the
 * first admin's password once (and never again); users (disabled, then
 * enabled again) and app passwords managed by the CLI while a spawned server
 * runs on the same data directory (SQLite, key file in DATA_DIR), the server
 * honouring every change at the next request; configuration and domain
 * errors with their codes; a first start that fails (port taken) creates
 * nobody, and one after `user add` still creates the administrator; the
 * last enabled administrator cannot be disabled. One
 * round also runs on PostgreSQL (DATABASE_URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, onFreePort, tempDir } from '../helpers/server.js';
import { ROOT, ensureServerBuild } from '../helpers/build.js';
import { basic, request, signIn, type Session } from '../helpers/http.js';
import { openDatabase, type Db } from '../../src/db/database.js';

const DAY_MS = 86_400_000;
// Generous: on a loaded machine several CLI processes start at once.
const WAIT_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a CLI process: only what the test sets, no inherited key
 * or database; `serve` runs one process (the workers have their own test).
 */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WORKERS: '1' };
  for (const name of [
    'SESAME_SECRET_KEY',
    'DATABASE_URL',
    'DATA_DIR',
    'PORT',
    'HOST',
    'PUBLIC_URL',
    'LOG_LEVEL',
    'NODE_TEST_CONTEXT',
  ])
    delete env[name];
  return { ...env, ...extra };
}

function spawnSesame(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function sesame(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  const child = spawnSesame(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin!.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sesame ${args.join(' ')} did not finish: ${stdout} ${stderr}`));
    }, WAIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Spawned servers still running, per suite, stopped in its `after` hook. */
type Running = Set<ChildProcess>;

/** A `serve` that exited before listening because its port was taken meanwhile. */
class PortTaken extends Error {}

/**
 * Starts `sesame serve` on a free port, again on another one if it was
 * taken meanwhile: that start fails with EADDRINUSE and creates nothing
 * (tested below).
 */
function serve(env: Record<string, string>, running: Running): Promise<Served> {
  return onFreePort(
    (port) => serveOnPort(env, running, port),
    (error) => error instanceof PortTaken,
  );
}

async function serveOnPort(env: Record<string, string>, running: Running, port: number): Promise<Served> {
  const child = spawnSesame(['serve'], { ...env, PORT: String(port) });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  child.stdin!.end();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout} ${stderr}`)), WAIT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (/Sésame is listening on /.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      const message = `serve exited with ${code} before listening: ${stdout} ${stderr}`;
      reject(/EADDRINUSE/.test(stderr) ? new PortTaken(message) : new Error(message));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function stopAll(running: Running): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Waits until the server's stdout holds `pattern` (the admin block follows the listening line). */
async function waitForOutput(served: Served, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const match = served.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${served.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ADMIN_PASSWORD = /created the administrator "admin" with the password\s+(\S+)\s/;

function occurrences(text: string, value: string): number {
  return text.split(value).length - 1;
}

function parseCreated(stdout: string): { id: string; secret: string; expiresAt: string } {
  const id = stdout.match(/\(id ([0-9a-f-]{36})\)/)?.[1];
  const expiresAt = stdout.match(/valid until (\S+?)\.?\n/)?.[1];
  const lines = stdout.trimEnd().split('\n');
  const secret = lines[lines.length - 1]!;
  assert.ok(id && expiresAt, `creation output names the id and the expiry: ${stdout}`);
  return { id, secret, expiresAt };
}

async function counts(db: Db): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of ['users', 'app_passwords', 'sessions', 'audit_log'] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    result[table] = Number(row.n);
  }
  return result;
}

// The three suites are independent (own data directory, database, port and processes): run them side by side.
describe('sesame CLI', { concurrency: true }, () => {
  before(ensureServerBuild);
  describe('sesame CLI: help and wrong arguments', { concurrency: true }, () => {
    const emptyDir = tempDir('sesame-cli-empty-');
    after(() => fs.rmSync(emptyDir, { recursive: true, force: true }));
    const env = { DATA_DIR: emptyDir };

    it('prints usage and exits 0 for --help, at the top level and on every command', async () => {
      const commands = [
        [],
        ['serve'],
        ['user', 'add'],
        ['user', 'list'],
        ['user', 'disable'],
        ['user', 'enable'],
        ['user', 'passwd'],
        ['app-password', 'create'],
        ['app-password', 'list'],
        ['app-password', 'revoke'],
      ];
      const runs = await Promise.all(commands.map((command) => sesame([...command, '--help'], env)));
      runs.forEach((run, i) => {
        const command = commands[i]!.join(' ');
        assert.equal(run.code, 0, `sesame ${command} --help: ${run.stderr}`);
        assert.match(run.stdout, new RegExp(`^Usage: sesame ${command === '' ? '<command>' : command}`), `usage of "${command}"`);
      });
      assert.match(runs[0]!.stdout, /app-password create --user NAME --name LABEL/);
    });

    it('exits non-zero with a message on stderr for an unknown command, a missing --user, an unknown option or an extra argument, touching no database', async () => {
      const cases: Array<{ args: string[]; message: RegExp }> = [
        { args: ['frobnicate'], message: /unknown command "frobnicate"/ },
        { args: ['app-password', 'list'], message: /--user is required/ },
        { args: ['user', 'list', '--bogus'], message: /bogus/ },
        { args: ['user', 'list', 'extra'], message: /expected 0 arguments, got 1/ },
        { args: ['app-password', 'create', '--user', 'bob', '--name', 'x', '--expires-in', 'soon'], message: /--expires-in/ },
      ];
      const runs = await Promise.all(cases.map((c) => sesame(c.args, env)));
      runs.forEach((run, i) => {
        const { args, message } = cases[i]!;
        assert.notEqual(run.code, 0, `sesame ${args.join(' ')} must fail`);
        assert.match(run.stderr, message, `stderr of sesame ${args.join(' ')}`);
        assert.equal(run.stdout, '', `nothing on stdout for sesame ${args.join(' ')}`);
      });
      assert.deepEqual(fs.readdirSync(emptyDir), [], 'no database or key file was created');
    });

    it('refuses an invalid PORT at start-up with a message naming PORT', async () => {
      const run = await sesame(['serve'], { ...env, PORT: 'abc' });
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /PORT/);
      assert.match(run.stderr, /CONFIG_INVALID/);
      assert.doesNotMatch(run.stdout, /listening/);
    });
  });

  // Each step builds on the previous one: in order.
  describe('sesame CLI on SQLite, while a spawned server runs on the same data directory', { concurrency: 1 }, () => {
    const dataDir = tempDir('sesame-cli-');
    const env = { DATA_DIR: dataDir };
    const running: Running = new Set();
    let server: Served;
    let db: Db;
    let adminPassword: string;
    let carolPassword: string;
    let webdav: { id: string; secret: string; expiresAt: string };
    /** Bob's session and app password when he was disabled. */
    let beforeDisable: { session: Session; secret: string };
    const BOB = "bob's first passphrase";
    const BOB_NEW = "bob's second passphrase";

    before(async () => {
      server = await serve(env, running);
    });
    after(async () => {
      await stopAll(running);
      await db?.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serve on an empty data directory creates the key file and prints the admin password once', async () => {
      adminPassword = (await waitForOutput(server, ADMIN_PASSWORD))[1]!;
      assert.equal(occurrences(server.output(), adminPassword), 1);
      const mode = fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777;
      assert.equal(mode, 0o600);
      const session = await signIn(server.url, 'admin', adminPassword);
      const me = await session.call('/api/v1/me');
      assert.equal(me.json.user.role, 'admin');
      db = await openDatabase({ databaseUrl: undefined, dataDir });
    });

    it('user add bob --password-stdin creates bob with the password read from stdin, never printing it', async () => {
      const run = await sesame(['user', 'add', 'bob', '--password-stdin'], env, `${BOB}\n`);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Created user "bob"/);
      assert.ok(!run.stdout.includes(BOB) && !run.stderr.includes(BOB));
      await signIn(server.url, 'bob', BOB);
    });

    it('user add carol prints a generated password, once, that signs her in', async () => {
      const run = await sesame(['user', 'add', 'carol'], env);
      assert.equal(run.code, 0, run.stderr);
      carolPassword = run.stdout.match(/Password \(shown once\): (\S+)/)?.[1] ?? '';
      assert.ok(carolPassword.length >= 16, run.stdout);
      assert.equal(occurrences(run.stdout, carolPassword), 1);
      await signIn(server.url, 'carol', carolPassword);
    });

    it('user list shows every account with its role and state', async () => {
      const run = await sesame(['user', 'list'], env);
      assert.equal(run.code, 0, run.stderr);
      const rows = run.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/));
      assert.deepEqual(
        rows.map((r) => [r[0], r[1], r[4]]),
        [
          ['admin', 'admin', 'active'],
          ['bob', 'user', 'active'],
          ['carol', 'user', 'active'],
        ],
      );
      assert.ok(!run.stdout.includes(adminPassword) && !run.stdout.includes(carolPassword));
    });

    it('app-password create prints the 24-character secret once with the expiry in the seed form; the server accepts it for its application only', async () => {
      const startedAt = Date.now();
      const run = await sesame(
        ['app-password', 'create', '--user', 'bob', '--name', 'Mon WebDAV', '--app', 'webdav', '--expires-in', '30'],
        env,
      );
      const endedAt = Date.now();
      assert.equal(run.code, 0, run.stderr);
      webdav = parseCreated(run.stdout);
      assert.equal([...webdav.secret].length, 24, run.stdout);
      assert.match(webdav.secret, /^[!-~]{24}$/);
      assert.equal(occurrences(run.stdout, webdav.secret), 1);
      assert.match(webdav.expiresAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      const expiry = Date.parse(webdav.expiresAt);
      assert.ok(
        expiry >= startedAt + 30 * DAY_MS - 1000 && expiry <= endedAt + 30 * DAY_MS,
        `expiry ${webdav.expiresAt} is 30 days ahead`,
      );

      const me = await request(server.url, '/api/v1/me', { headers: basic('bob', webdav.secret) });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json.user.username, 'bob');
      assert.equal(
        (await request(server.url, '/api/v1/forward-auth/webdav', { headers: basic('bob', webdav.secret) })).status,
        204,
      );
      assert.equal(
        (await request(server.url, '/api/v1/forward-auth/sync', { headers: basic('bob', webdav.secret) })).status,
        401,
      );
    });

    it('app-password list --user bob shows the password without its secret', async () => {
      const run = await sesame(['app-password', 'list', '--user', 'bob'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`${webdav.id}\\s+Mon WebDAV\\s+webdav\\s+${webdav.expiresAt.replace('+', '\\+')}`));
      assert.ok(!run.stdout.includes(webdav.secret), 'the secret is never listed');
    });

    it('app-password revoke ID makes the server refuse the password at the next request', async () => {
      const run = await sesame(['app-password', 'revoke', webdav.id], env);
      assert.equal(run.code, 0, run.stderr);
      const me = await request(server.url, '/api/v1/me', { headers: basic('bob', webdav.secret) });
      assert.equal(me.status, 401);
      assert.equal(me.json.error.code, 'UNAUTHENTICATED');
    });

    it("user passwd bob --password-stdin sets bob's password and revokes his app passwords", async () => {
      const session = await signIn(server.url, 'bob', BOB);
      const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Sync' } });
      assert.equal(created.status, 201, created.text);
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.json.password) })).status, 200);

      const run = await sesame(['user', 'passwd', 'bob', '--password-stdin'], env, `${BOB_NEW}\n`);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /1 app password\(s\) revoked/);
      assert.ok(!run.stdout.includes(BOB_NEW));
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.json.password) })).status, 401);
      assert.equal(
        (await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'bob', password: BOB } })).status,
        401,
      );
      await signIn(server.url, 'bob', BOB_NEW);
    });

    it("user disable BOB (bob's name in capitals) makes the server refuse bob's app passwords, sessions and sign-in", async () => {
      const session = await signIn(server.url, 'bob', BOB_NEW);
      const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Outlook' } });
      assert.equal(created.status, 201, created.text);

      const run = await sesame(['user', 'disable', 'BOB'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Disabled "bob": /, 'the account is named as it is, not as typed');
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.json.password) })).status, 401);
      assert.equal((await session.call('/api/v1/me')).status, 401);
      assert.equal(
        (await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'bob', password: BOB_NEW } })).status,
        401,
      );
      beforeDisable = { session, secret: created.json.password };
    });

    it('user enable bob lets the server accept his app password and his sign-in again, not his ended session', async () => {
      const run = await sesame(['user', 'enable', 'bob'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Enabled "bob"/);
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', beforeDisable.secret) })).status, 200);
      assert.equal((await beforeDisable.session.call('/api/v1/me')).status, 401);
      await signIn(server.url, 'bob', BOB_NEW);
      const listed = await sesame(['user', 'list'], env);
      assert.match(listed.stdout, /^bob\s+user\s+local\s+-\s+active\s/m);
    });

    it('reports a domain error with its code, exits 1 and changes nothing', async () => {
      const before = await counts(db);
      const [run, duplicate, unknownApp, unknownEnable] = await Promise.all([
        sesame(['app-password', 'create', '--user', 'nobody', '--name', 'Mon WebDAV'], env),
        sesame(['user', 'add', 'carol', '--password-stdin'], env, 'another passphrase\n'),
        sesame(['app-password', 'create', '--user', 'carol', '--name', 'X', '--app', 'ftp'], env),
        sesame(['user', 'enable', 'nobody'], env),
      ]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /No user named "nobody"/);
      assert.match(run.stderr, /\[USER_NOT_FOUND\]/);
      assert.equal(run.stdout, '');

      assert.equal(duplicate.code, 1);
      assert.match(duplicate.stderr, /\[USER_EXISTS\]/);

      assert.equal(unknownApp.code, 1);
      assert.match(unknownApp.stderr, /\[UNKNOWN_APPLICATION\]/);

      assert.equal(unknownEnable.code, 1);
      assert.match(unknownEnable.stderr, /No user named "nobody"\. \[USER_NOT_FOUND\]/);
      assert.deepEqual(await counts(db), before);
    });

    it('user disable refuses the last enabled administrator with LAST_ADMIN, and the admin still signs in', async () => {
      const before = await counts(db);
      const run = await sesame(['user', 'disable', 'admin'], env);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /"admin" is the last enabled administrator.*\[LAST_ADMIN\]/);
      assert.equal(run.stdout, '');
      assert.deepEqual(await counts(db), before);
      await signIn(server.url, 'admin', adminPassword);
    });

    it('a second start on the same data directory prints no password, and the server stops cleanly on SIGTERM', async () => {
      assert.equal(await server.stop(), 0);
      server = await serve(env, running);
      const session = await signIn(server.url, 'admin', adminPassword);
      assert.equal((await session.call('/api/v1/me')).status, 200);
      assert.equal(await server.stop(), 0);
      assert.doesNotMatch(server.output(), /administrator|shown this once/i);
      assert.ok(!server.output().includes(adminPassword));
    });
  });

  describe('sesame CLI: the first start', { concurrency: 1 }, () => {
    const dirs: string[] = [];
    const running: Running = new Set();
    after(async () => {
      await stopAll(running);
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    });
    function freshDataDir(): string {
      const dir = tempDir('sesame-cli-first-');
      dirs.push(dir);
      return dir;
    }

    it('creates nobody when the first start fails (port taken); the next start creates the admin and prints its password', async () => {
      const dataDir = freshDataDir();
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as net.AddressInfo).port;
      let failed: Run;
      try {
        failed = await sesame(['serve'], { DATA_DIR: dataDir, PORT: String(port) });
      } finally {
        taken.close();
      }
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /EADDRINUSE/);
      assert.doesNotMatch(failed.stdout, /administrator|password/i);
      const db = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        assert.equal((await counts(db)).users, 0, 'no account was created by the failed start');
      } finally {
        await db.destroy();
      }

      const server = await serve({ DATA_DIR: dataDir }, running);
      const password = (await waitForOutput(server, ADMIN_PASSWORD))[1]!;
      const me = await (await signIn(server.url, 'admin', password)).call('/api/v1/me');
      assert.equal(me.json.user.role, 'admin');
      assert.equal(await server.stop(), 0);
    });

    it('still creates the administrator when `sesame user add` ran before the first start', async () => {
      const env = { DATA_DIR: freshDataDir() };
      const added = await sesame(['user', 'add', 'bob', '--password-stdin'], env, 'bob before the first start\n');
      assert.equal(added.code, 0, added.stderr);
      const server = await serve(env, running);
      const password = (await waitForOutput(server, ADMIN_PASSWORD))[1]!;
      const me = await (await signIn(server.url, 'admin', password)).call('/api/v1/me');
      assert.equal(me.json.user.role, 'admin');
      await signIn(server.url, 'bob', 'bob before the first start');
      assert.equal(await server.stop(), 0);
    });
  });

  describe('sesame CLI on PostgreSQL (DATABASE_URL)', { concurrency: 1 }, () => {
    const dataDir = tempDir('sesame-cli-pg-');
    const running: Running = new Set();
    let env: Record<string, string>;
    let server: Served;

    before(async () => {
      env = { DATA_DIR: dataDir, DATABASE_URL: await createPostgresDatabase() };
      server = await serve(env, running);
    });
    after(async () => {
      await stopAll(running);
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serve prints the admin password once; users and app passwords made by the CLI work and are revoked on the running server', async () => {
      const adminPassword = (await waitForOutput(server, ADMIN_PASSWORD))[1]!;
      assert.equal(occurrences(server.output(), adminPassword), 1);
      await signIn(server.url, 'admin', adminPassword);

      const added = await sesame(['user', 'add', 'bob', '--password-stdin'], env, 'bob on postgres\n');
      assert.equal(added.code, 0, added.stderr);
      const run = await sesame(
        ['app-password', 'create', '--user', 'bob', '--name', 'Mon WebDAV', '--app', 'webdav', '--expires-in', '30'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const created = parseCreated(run.stdout);
      assert.equal([...created.secret].length, 24);
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.secret) })).status, 200);

      for (const [state, status] of [
        ['disable', 401],
        ['enable', 200],
      ] as const) {
        const changed = await sesame(['user', state, 'bob'], env);
        assert.equal(changed.code, 0, changed.stderr);
        assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.secret) })).status, status, state);
      }

      const listed = await sesame(['app-password', 'list', '--user', 'bob'], env);
      assert.match(listed.stdout, new RegExp(created.id));
      assert.ok(!listed.stdout.includes(created.secret));

      const revoked = await sesame(['app-password', 'revoke', created.id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal((await request(server.url, '/api/v1/me', { headers: basic('bob', created.secret) })).status, 401);
    });
  });
});
