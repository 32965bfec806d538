// Unit tests of the server key (src/security/server-key.ts): the key file
// (created mode 0600, reused, refused when others may read it), the
// SESAME_SECRET_KEY override, the fingerprint check against a real database
// (SQLite and PostgreSQL), and the keyed hash of app-password secrets.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkKeyFingerprint, createServerKey, loadServerKey } from '../../src/security/server-key.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { isSesameError } from '../../src/errors.js';
import { DIALECTS, createPostgresDatabase, tempDir } from '../helpers/server.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = tempDir('sesame-key-');
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function randomHex(): string {
  return crypto.randomBytes(32).toString('hex');
}

describe('server key file', () => {
  it('is created on first load with mode 0600, holding 32 bytes as 64 hex characters', () => {
    const dataDir = freshDir();
    loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true });
    const file = path.join(dataDir, 'secret.key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(file, 'utf8').trim(), /^[0-9a-f]{64}$/);
  });

  it('creates a missing data directory readable by its owner only', () => {
    const dataDir = path.join(freshDir(), 'nested', 'data');
    loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true });
    assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
    assert.ok(fs.existsSync(path.join(dataDir, 'secret.key')));
  });

  it('is reused on the next load: same fingerprint, same hashes, file unchanged', () => {
    const dataDir = freshDir();
    const first = loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true });
    const content = fs.readFileSync(path.join(dataDir, 'secret.key'), 'utf8');
    const second = loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true });
    assert.equal(second.fingerprint, first.fingerprint);
    assert.equal(second.hashAppPassword('aB3!secret'), first.hashAppPassword('aB3!secret'));
    assert.equal(fs.readFileSync(path.join(dataDir, 'secret.key'), 'utf8'), content);
  });

  it('gives two data directories two different keys', () => {
    const a = loadServerKey({ secretKeyHex: undefined, dataDir: freshDir(), mayCreateKeyFile: true });
    const b = loadServerKey({ secretKeyHex: undefined, dataDir: freshDir(), mayCreateKeyFile: true });
    assert.notEqual(a.fingerprint, b.fingerprint);
  });

  it('loses to SESAME_SECRET_KEY: the environment key is used even when a key file exists', () => {
    const dataDir = freshDir();
    const fromFile = loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true });
    const hex = randomHex();
    const fromEnv = loadServerKey({ secretKeyHex: hex, dataDir, mayCreateKeyFile: true });
    assert.equal(fromEnv.fingerprint, createServerKey(Buffer.from(hex, 'hex')).fingerprint);
    assert.notEqual(fromEnv.fingerprint, fromFile.fingerprint);
  });

  it('is not written when the key comes from SESAME_SECRET_KEY', () => {
    const dataDir = freshDir();
    loadServerKey({ secretKeyHex: randomHex(), dataDir, mayCreateKeyFile: true });
    assert.equal(fs.existsSync(path.join(dataDir, 'secret.key')), false);
  });

  for (const mode of [0o640, 0o604, 0o644]) {
    it(`is refused with CONFIG_INVALID when its mode is ${mode.toString(8)} (readable by others than its owner)`, () => {
      const dataDir = freshDir();
      const file = path.join(dataDir, 'secret.key');
      fs.writeFileSync(file, `${randomHex()}\n`, { mode: 0o600 });
      fs.chmodSync(file, mode);
      assert.throws(
        () => loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true }),
        (error) => isSesameError(error, 'CONFIG_INVALID') && error.message.includes('600'),
      );
    });
  }

  it('is refused with CONFIG_INVALID when it does not hold 64 hex characters, without echoing its content', () => {
    const dataDir = freshDir();
    fs.writeFileSync(path.join(dataDir, 'secret.key'), 'not-a-key-0123456789\n', { mode: 0o600 });
    assert.throws(
      () => loadServerKey({ secretKeyHex: undefined, dataDir, mayCreateKeyFile: true }),
      (error) => isSesameError(error, 'CONFIG_INVALID') && !error.message.includes('not-a-key-0123456789'),
    );
  });
});

describe('hashAppPassword', () => {
  const secret = '4]qxKL%2#jLm>?K^u};5MqA}';

  it('is deterministic for one key', () => {
    const hex = randomHex();
    assert.equal(
      createServerKey(Buffer.from(hex, 'hex')).hashAppPassword(secret),
      createServerKey(Buffer.from(hex, 'hex')).hashAppPassword(secret),
    );
  });

  it('is an HMAC-SHA-256 sized hex digest', () => {
    assert.match(createServerKey(crypto.randomBytes(32)).hashAppPassword(secret), /^[0-9a-f]{64}$/);
  });

  it('differs between keys', () => {
    assert.notEqual(
      createServerKey(crypto.randomBytes(32)).hashAppPassword(secret),
      createServerKey(crypto.randomBytes(32)).hashAppPassword(secret),
    );
  });

  it('differs between secrets', () => {
    const key = createServerKey(crypto.randomBytes(32));
    assert.notEqual(key.hashAppPassword(secret), key.hashAppPassword(`${secret.slice(0, -1)}]`));
  });

  it('is not a plain SHA-256 of the secret, so a leaked database alone cannot be checked against guesses', () => {
    const key = createServerKey(crypto.randomBytes(32));
    const digest = key.hashAppPassword(secret);
    assert.notEqual(digest, crypto.createHash('sha256').update(secret, 'utf8').digest('hex'));
    assert.ok(!digest.includes(Buffer.from(secret).toString('hex')));
  });

  it('does not reveal the key through the fingerprint', () => {
    const master = crypto.randomBytes(32);
    const key = createServerKey(master);
    assert.ok(!master.toString('hex').includes(key.fingerprint));
    assert.notEqual(key.fingerprint, crypto.createHash('sha256').update(master).digest('hex').slice(0, key.fingerprint.length));
  });
});

for (const dialect of DIALECTS) {
  describe(`checkKeyFingerprint (${dialect})`, () => {
    let db: Db;
    const hex = randomHex();

    before(async () => {
      const databaseUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      db = await openDatabase({ databaseUrl, dataDir: freshDir() });
    });
    after(() => db.destroy());

    async function recorded(): Promise<string[]> {
      const rows = await db.selectFrom('meta').select('value').where('key', '=', 'secret_key_fingerprint').execute();
      return rows.map((r) => r.value);
    }

    it('records the fingerprint of the first key it sees', async () => {
      assert.deepEqual(await recorded(), []);
      const key = createServerKey(Buffer.from(hex, 'hex'));
      await checkKeyFingerprint(db, key);
      assert.deepEqual(await recorded(), [key.fingerprint]);
    });

    it('lets the same key through again, also loaded afresh as another node would', async () => {
      await checkKeyFingerprint(db, createServerKey(Buffer.from(hex, 'hex')));
      await checkKeyFingerprint(db, loadServerKey({ secretKeyHex: hex, dataDir: freshDir(), mayCreateKeyFile: true }));
      assert.deepEqual(await recorded(), [createServerKey(Buffer.from(hex, 'hex')).fingerprint]);
    });

    it('refuses a different key with SECRET_KEY_MISMATCH, naming SESAME_SECRET_KEY, and keeps the recorded fingerprint', async () => {
      const other = createServerKey(crypto.randomBytes(32));
      await assert.rejects(
        () => checkKeyFingerprint(db, other),
        (error) => isSesameError(error, 'SECRET_KEY_MISMATCH') && error.message.includes('SESAME_SECRET_KEY'),
      );
      assert.deepEqual(await recorded(), [createServerKey(Buffer.from(hex, 'hex')).fingerprint]);
    });

    it('never puts either key in the mismatch message', async () => {
      const otherHex = randomHex();
      await assert.rejects(
        () => checkKeyFingerprint(db, createServerKey(Buffer.from(otherHex, 'hex'))),
        (error) => error instanceof Error && !error.message.includes(otherHex) && !error.message.includes(hex),
      );
    });
  });
}

describe('sealed TOTP secrets', () => {
  const key = createServerKey(crypto.randomBytes(32));
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = key.sealTotpSecret(secret);
    assert.ok(!sealed.includes(secret));
    assert.equal(key.openTotpSecret(sealed), secret);
  });

  it('seals the same secret differently each time (random IV)', () => {
    assert.notEqual(key.sealTotpSecret(secret), key.sealTotpSecret(secret));
  });

  it('cannot be opened with another key, nor after tampering', () => {
    const sealed = key.sealTotpSecret(secret);
    assert.throws(() => createServerKey(crypto.randomBytes(32)).openTotpSecret(sealed));
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    assert.throws(() => key.openTotpSecret([parts[0], parts[1], parts[2], body.toString('base64url')].join('.')));
  });
});
