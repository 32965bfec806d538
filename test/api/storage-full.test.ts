/**
 * A database that cannot take a write answers 503 STORAGE_FULL with
 * Retry-After, never 500; a failed Basic sign-in stays the uniform 401
 * even when the failure cannot be counted (it fails closed: never a
 * success); the transaction helper survives the driver's own rollback and
 * reports the real cause; everything works again once there is room.
 * SQLite runs on a real full disk (a small tmpfs, filled to the last byte);
 * PostgreSQL, which cannot be filled without stopping the whole cluster
 * (a full WAL disk makes it PANIC), gets its "could not extend file" error
 * (SQLSTATE 53100 disk_full) from a trigger on the tables written. A data
 * directory the server may no longer write (a process running as nobody,
 * the directory's permissions taken away) answers 503 STORAGE_FULL too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { addUser, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { startNode } from '../helpers/served-node.js';
import { ROOT, ensureServerBuild } from '../helpers/build.js';
import { isSesameError } from '../../src/errors.js';

const PASSWORD = 'correct horse battery';
const WRONG = 'Wrong-secret-0000000000!';
const PROPPATCH =
  '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example"><D:set><D:prop><Z:colour>blue</Z:colour></D:prop></D:set></D:propertyupdate>';

function logCollector(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

function assertStorageFull(reply: { status: number; headers: Record<string, unknown>; text: string }, what: string): void {
  assert.equal(reply.status, 503, `${what}: ${reply.text}`);
  assert.ok(Number(reply.headers['retry-after']) > 0, `${what}: Retry-After`);
}

function assertJsonStorageFull(reply: HttpReply, what: string): void {
  assertStorageFull(reply, what);
  assert.equal(reply.json.error.code, 'STORAGE_FULL', what);
}

function assertUniform401(reply: { status: number; headers: Record<string, unknown>; text: string }): void {
  assert.equal(reply.status, 401, reply.text);
  assert.match(String(reply.headers['www-authenticate']), /^Basic realm="Sesame"/);
}

/** The writes a person makes, with the disk full or not. */
interface Scenario {
  server: TestServer;
  alice: DavAccount;
  session: Session;
}

async function writesRefused({ server, alice, session }: Scenario): Promise<void> {
  // A wrong secret is refused as always, though its failure cannot be counted.
  for (let i = 0; i < 3; i++) {
    assertUniform401(await rawRequest(server, { ...alice, password: WRONG }, 'GET', '/dav/notes.txt'));
  }
  assertJsonStorageFull(
    await request(server.url, '/api/v1/session', { method: 'POST', body: { username: 'carol', password: PASSWORD } }),
    'sign-in',
  );
  assertJsonStorageFull(
    await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Phone' } }),
    'app-password creation',
  );
  const proppatch = await rawRequest(server, alice, 'PROPPATCH', '/dav/notes.txt', { body: PROPPATCH });
  assertStorageFull(proppatch, 'PROPPATCH');
  assert.match(String(proppatch.headers['content-type']), /application\/xml/);
}

async function writesServed({ server, alice, session }: Scenario): Promise<void> {
  const signedIn = await request(server.url, '/api/v1/session', {
    method: 'POST',
    body: { username: 'carol', password: PASSWORD },
  });
  assert.equal(signedIn.status, 200, signedIn.text);
  const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: `Phone ${Date.now()}` } });
  assert.equal(created.status, 201, created.text);
  const proppatch = await rawRequest(server, alice, 'PROPPATCH', '/dav/notes.txt', { body: PROPPATCH });
  assert.equal(proppatch.status, 207, proppatch.text);
  assertUniform401(await rawRequest(server, { ...alice, password: WRONG }, 'GET', '/dav/notes.txt'));
}

async function scenarioOn(server: TestServer): Promise<Scenario> {
  await addUser(server, 'carol', PASSWORD);
  const alice = await davAccount(server, 'alice');
  assert.equal((await rawRequest(server, alice, 'PUT', '/dav/notes.txt', { body: 'notes\n' })).status, 201);
  return { server, alice, session: await signIn(server.url, 'carol', PASSWORD) };
}

describe('a full disk under SQLite (a small tmpfs filled to the last byte)', () => {
  let disk: SmallDisk;
  let scenario: Scenario;
  let dataDir: string;
  const log = logCollector();

  /** Empties the write-ahead log first, so that the next write must grow a file: nothing is left to reuse. */
  function fill(): void {
    const file = new SqliteDatabase(path.join(dataDir, 'sesame.db'));
    try {
      file.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      file.close();
    }
    disk.fill();
  }

  before(async () => {
    await ensureServerBuild();
    disk = mountSmallDisk(16 * 1024 * 1024);
    dataDir = path.join(disk.dir, 'data');
    fs.mkdirSync(dataDir);
    scenario = await scenarioOn(await startServer({ dialect: 'sqlite', dataDir, logStream: log.stream }));
    await writesServed(scenario);
  });
  after(async () => {
    await scenario?.server.close();
    disk?.unmount();
  });

  it('answers 503 STORAGE_FULL to a sign-in, an app-password creation and a PROPPATCH, keeps a wrong secret the uniform 401, and serves again once there is room', async () => {
    fill();
    try {
      await writesRefused(scenario);
    } finally {
      disk.free();
    }
    assert.match(log.text(), /answered UNAUTHENTICATED; .*\(database or disk is full\)/);
    assert.doesNotMatch(log.text(), /cannot rollback/);
    assert.doesNotMatch(log.text(), /"statusCode":500/);
    await writesServed(scenario);
  });

  it('makes the CLI say the real cause (database or disk is full), not that a rollback failed', () => {
    fill();
    let run: ReturnType<typeof spawnSync>;
    try {
      run = spawnSync(process.execPath, ['dist/cli/main.js', 'user', 'add', 'dave'], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, SESAME_SECRET_KEY: scenario.server.secretKeyHex, DATABASE_URL: '' },
        encoding: 'utf8',
      });
    } finally {
      disk.free();
    }
    assert.equal(run.status, 1, String(run.stdout) + String(run.stderr));
    assert.match(String(run.stderr), /database or disk is full.*\[STORAGE_FULL\]/);
    assert.doesNotMatch(String(run.stderr), /cannot rollback/);
  });
});

describe('a full disk under PostgreSQL (disk_full raised on every insert and update)', () => {
  let scenario: Scenario;
  const log = logCollector();

  async function onDatabase(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
    const client = new pg.Client({ connectionString: scenario.server.databaseUrl });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  }

  before(async () => {
    scenario = await scenarioOn(await startServer({ dialect: 'postgres', logStream: log.stream }));
    await onDatabase((client) =>
      client.query(`CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`),
    );
  });
  after(() => scenario?.server.close());

  it('answers 503 STORAGE_FULL to a sign-in, an app-password creation and a PROPPATCH, keeps a wrong secret the uniform 401, and serves again once there is room', async () => {
    const tables = ['throttle', 'sessions', 'audit_log', 'app_passwords', 'dav_properties', 'connections'];
    await onDatabase(async (client) => {
      for (const table of tables) {
        await client.query(
          `CREATE TRIGGER test_disk_full BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION test_disk_full()`,
        );
      }
    });
    try {
      await writesRefused(scenario);
    } finally {
      await onDatabase(async (client) => {
        for (const table of tables) await client.query(`DROP TRIGGER test_disk_full ON ${table}`);
      });
    }
    assert.match(log.text(), /answered UNAUTHENTICATED; .*\(could not extend file: No space left on device\)/);
    assert.doesNotMatch(log.text(), /"statusCode":500/);
    await writesServed(scenario);
  });
});

describe('the transaction helper reports the real cause when the driver already ended the transaction', () => {
  it('on PostgreSQL: a transaction whose connection was terminated fails with DATABASE_UNAVAILABLE caused by the termination', async () => {
    const server = await startServer({ dialect: 'postgres' });
    const terminator = new pg.Client({ connectionString: server.databaseUrl });
    await terminator.connect();
    try {
      const failure = await server.server.services.db
        .transaction()
        .execute(async (trx) => {
          await trx.selectFrom('users').select('id').execute();
          await terminator.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          await sleep(200);
          await trx.selectFrom('users').select('id').execute();
        })
        .then(
          () => assert.fail('the transaction went on after its connection was terminated'),
          (error: unknown) => error,
        );
      assert.ok(isSesameError(failure, 'DATABASE_UNAVAILABLE'), String(failure));
      assert.match(String((failure as Error).cause), /terminating connection due to administrator command/);
      // The pool replaced the connection: the next transaction works.
      await server.server.services.db.transaction().execute((trx) => trx.selectFrom('users').select('id').execute());
    } finally {
      await terminator.end();
      await server.close();
    }
  });
});

describe('a data directory the server may no longer write (the process runs as nobody)', () => {
  it('answers a PUT with 503 STORAGE_FULL while the permissions are gone, and stores it again once they are back', async () => {
    const dataDir = tempDir();
    fs.chownSync(dataDir, 65534, 65534);
    const node = await startNode({ env: { DATA_DIR: dataDir, WORKERS: '1' }, asNobody: true, ready: /password\n\n\s+(\S+)/ });
    try {
      const password = /password\n\n\s+(\S+)/.exec(node.output())![1]!;
      const session = await signIn(node.url, 'admin', password);
      const created = await session.call('/api/v1/app-passwords', {
        method: 'POST',
        body: { name: 'drive', application: 'webdav' },
      });
      assert.equal(created.status, 201, created.text);
      const auth = basic('admin', created.json.password);
      const put = (name: string) =>
        request(node.url, `/dav/${name}`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' });
      assert.equal((await put('before.txt')).status, 201);
      fs.chmodSync(dataDir, 0o000);
      let refused: HttpReply;
      try {
        refused = await put('during.txt');
      } finally {
        fs.chmodSync(dataDir, 0o700);
      }
      assertStorageFull(refused, 'PUT');
      assert.match(refused.text, /cannot write its data/);
      assert.equal((await put('after.txt')).status, 201);
      assert.doesNotMatch(node.output(), /"statusCode":500/);
    } finally {
      await node.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
