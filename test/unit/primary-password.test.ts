/**
 * The argon2id cost of primary passwords. Production builds a server without
 * argon2CostForTests, and so does the CLI: every hash they make is read back
 * from its PHC string at 64 MiB, 3 passes, 4 lanes. The cheap cost of the
 * test helpers reaches only the servers they start. And a check costs the
 * same CPU whether the account exists or not (missing, disabled, SSO, or
 * with 2FA where 2FA cannot be asked for: each is checked against a dummy
 * hash at the server's cost), measured as the process's CPU time, which the
 * load of other processes does not change, at production cost, after a
 * cheaper context made its own dummy hash in the same process.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ARGON2_COST, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server.js';
import { runCommand } from '../../src/cli/commands.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit-log.js';
import { createUser, disableUser, setPrimaryPassword, setTotpSecret } from '../../src/accounts/users.js';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import { PRODUCTION_ARGON2_COST, checkAccountPassword, type Argon2Cost } from '../../src/accounts/primary-password.js';
import { findUserByKey, insertUserIfNameFree } from '../../src/repositories/users.js';
import type { Db } from '../../src/db/database.js';

const PASSWORD = 'correct horse battery';
const PRODUCTION_PHC = { type: 'argon2id', version: 19, memoryCost: 65_536, timeCost: 3, parallelism: 4 };

/** The algorithm and parameters written in an argon2 PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
function phcParameters(hash: string | null | undefined) {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+$/.exec(hash ?? '');
  assert.ok(match, `not an argon2 PHC string: ${hash}`);
  const [, type, version, m, t, p] = match;
  return { type, version: Number(version), memoryCost: Number(m), timeCost: Number(t), parallelism: Number(p) };
}

function phcOf(cost: Argon2Cost) {
  return { type: 'argon2id', version: 19, ...cost };
}

async function storedHash(db: Db, username: string): Promise<string | null | undefined> {
  return (await findUserByKey(db, username))?.passwordHash;
}

/** CPU time (user + system, every thread of this process, argon2's pool included) that `run` took, in ms. */
async function cpuMs(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Asserts that each named cost is within 20-25 % of the reference. Measured
 * under a load of 14 on 2 cores: within 5 % of each other; a dummy hash with
 * one pass fewer, 27 % under; one at the test helpers' cost, hundreds of
 * times under.
 */
function assertSameCost(reference: { name: string; ms: number }, others: Record<string, number>): void {
  for (const [name, ms] of Object.entries(others)) {
    const ratio = ms / reference.ms;
    assert.ok(
      ratio > 0.8 && ratio < 1.25,
      `${name} cost ${ms.toFixed(1)} ms of CPU, ${reference.name} ${reference.ms.toFixed(1)} ms (ratio ${ratio.toFixed(3)})`,
    );
  }
}

describe('the argon2id cost of primary passwords', () => {
  it('production cost is 64 MiB, 3 passes, 4 lanes of argon2id', () => {
    assert.deepEqual(phcOf(PRODUCTION_ARGON2_COST), PRODUCTION_PHC);
  });

  it('a server built without argon2CostForTests, as production builds it, hashes new and changed passwords at production cost', async () => {
    const dataDir = tempDir();
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SESAME_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    });
    const server = await buildServer({ config });
    try {
      const services = server.services;
      const user = await createUser(services, { username: 'prod-new', password: PASSWORD, role: 'user' }, SYSTEM_ACTOR);
      assert.deepEqual(phcParameters(await storedHash(services.db, 'prod-new')), PRODUCTION_PHC);
      await setPrimaryPassword(services, user.id, 'another long password', SYSTEM_ACTOR);
      assert.deepEqual(phcParameters(await storedHash(services.db, 'prod-new')), PRODUCTION_PHC);
    } finally {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the CLI (user add, user passwd) hashes at production cost', async () => {
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', SESAME_SECRET_KEY: crypto.randomBytes(32).toString('hex') };
    const run = (argv: string[], password: string) => {
      const stdin = new PassThrough();
      stdin.end(`${password}\n`);
      return runCommand(argv, { loadConfig: () => loadConfig(env), stdin, stdout: new PassThrough(), parseArgs });
    };
    const server = await buildServer({ config: loadConfig(env) });
    try {
      assert.equal(await run(['user', 'add', 'cli-new', '--password-stdin'], PASSWORD), 0);
      assert.deepEqual(phcParameters(await storedHash(server.services.db, 'cli-new')), PRODUCTION_PHC);
      await setPrimaryPassword(
        { ...server.services, argon2Cost: TEST_ARGON2_COST },
        (await findUserByKey(server.services.db, 'cli-new'))!.id,
        PASSWORD,
        SYSTEM_ACTOR,
      );
      assert.deepEqual(phcParameters(await storedHash(server.services.db, 'cli-new')), phcOf(TEST_ARGON2_COST));
      assert.equal(await run(['user', 'passwd', 'cli-new', '--password-stdin'], 'another long password'), 0);
      assert.deepEqual(phcParameters(await storedHash(server.services.db, 'cli-new')), PRODUCTION_PHC);
    } finally {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the test helpers hash at TEST_ARGON2_COST, and at production cost when a test asks for it', async () => {
    const cheap = await startServer({ dialect: 'sqlite' });
    const production = await startServer({ dialect: 'sqlite', productionArgon2: true });
    try {
      for (const [server, expected] of [
        [cheap, phcOf(TEST_ARGON2_COST)],
        [production, PRODUCTION_PHC],
      ] as const) {
        await createUser(server.server.services, { username: 'helper', password: PASSWORD, role: 'user' }, SYSTEM_ACTOR);
        assert.deepEqual(phcParameters(await storedHash(server.server.services.db, 'helper')), expected);
      }
    } finally {
      await cheap.close();
      await production.close();
    }
  });
});

describe('a password check costs the same whether or not the account exists (production cost)', () => {
  const ROUNDS = 2;
  let server: TestServer;
  let ipCounter = 0;

  before(async () => {
    server = await startServer({ dialect: 'sqlite', productionArgon2: true });
    const services = server.server.services;
    await createUser(services, { username: 'alice', password: PASSWORD, role: 'user' }, SYSTEM_ACTOR);
    const dora = await createUser(services, { username: 'dora', password: PASSWORD, role: 'user' }, SYSTEM_ACTOR);
    await disableUser(services, dora.id, SYSTEM_ACTOR);
    const tom = await createUser(services, { username: 'tom', password: PASSWORD, role: 'user' }, SYSTEM_ACTOR);
    await setTotpSecret(services, tom.id, generateTotpSecret());
    const now = services.clock.now();
    await insertUserIfNameFree(services.db, {
      id: crypto.randomUUID(),
      username: 'sso',
      usernameKey: 'sso',
      role: 'user',
      authSource: 'oidc',
      passwordHash: null,
      sealedTotpSecret: null,
      totpLastStep: null,
      sealedPendingTotpSecret: null,
      disabledAt: null,
      passwordChangedAt: null,
      createdAt: now,
    });
    // A cheaper context in the same process makes its own dummy hash first: it must not become this server's.
    await checkAccountPassword({ argon2Cost: TEST_ARGON2_COST }, null, 'wrong password', { refuseTwoFactorAccounts: false });
  });
  after(() => server?.close());

  it('checkAccountPassword: a wrong password of an account costs what a missing, disabled, SSO or (where 2FA cannot be asked for) 2FA account costs', async () => {
    const services = server.server.services;
    const rows = {
      'an existing account': await findUserByKey(services.db, 'alice'),
      'a missing account': null,
      'a disabled account': await findUserByKey(services.db, 'dora'),
      'an SSO account': await findUserByKey(services.db, 'sso'),
      'a 2FA account where 2FA cannot be asked for': await findUserByKey(services.db, 'tom'),
    };
    const check = (row: (typeof rows)[keyof typeof rows]) =>
      checkAccountPassword(services, row, 'wrong password', { refuseTwoFactorAccounts: true });
    // Warm up: the dummy hash is made on first use.
    assert.equal(await check(null), null);
    const totals = Object.fromEntries(Object.keys(rows).map((name) => [name, 0])) as Record<keyof typeof rows, number>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, row] of Object.entries(rows) as [keyof typeof rows, (typeof rows)[keyof typeof rows]][]) {
        totals[name] += await cpuMs(() => check(row));
      }
    }
    const { 'an existing account': existing, ...others } = totals;
    assertSameCost({ name: 'an existing account', ms: existing }, others);
  });

  it('POST /session: a wrong password costs what an unknown username costs', async () => {
    const attempt = (username: string) =>
      request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username, password: 'wrong password' },
        from: `127.200.0.${++ipCounter}`,
      });
    assert.equal((await attempt('nobody')).status, 401); // warm-up
    let existing = 0;
    let unknown = 0;
    for (let round = 0; round < ROUNDS; round++) {
      existing += await cpuMs(async () => assert.equal((await attempt('alice')).status, 401));
      unknown += await cpuMs(async () => assert.equal((await attempt('nobody')).status, 401));
    }
    assertSameCost({ name: 'a wrong password of alice', ms: existing }, { 'an unknown username': unknown });
  });
});
