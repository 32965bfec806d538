// Unit tests of loadConfig (src/config/config.ts): the defaults, and that
// each invalid environment variable stops start-up with CONFIG_INVALID and
// a message naming the variable, never echoing a secret.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { isSesameError } from '../../src/errors.js';

const CWD = '/srv/sesame';

function configError(env: Record<string, string>): Error & { code: string } {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    assert.ok(isSesameError(error, 'CONFIG_INVALID'), `expected CONFIG_INVALID, got ${String(error)}`);
    return error;
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
}

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:8080, SQLite under ./data resolved from the working directory, info logs', () => {
    const config = loadConfig({}, CWD);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, '/srv/sesame/data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.secretKeyHex, undefined);
    assert.equal(config.publicUrl.href, 'http://127.0.0.1:8080/');
    assert.equal(config.trustProxy, false);
    assert.equal(config.logLevel, 'info');
  });

  it('resolves the default data directory from the process working directory', () => {
    const config = loadConfig({});
    assert.equal(config.dataDir, path.resolve(process.cwd(), 'data'));
    assert.ok(path.isAbsolute(config.dataDir));
  });

  it('takes PORT, HOST, DATA_DIR, DATABASE_URL, SESAME_SECRET_KEY, PUBLIC_URL, TRUST_PROXY and LOG_LEVEL', () => {
    const key = 'AB'.repeat(32);
    const config = loadConfig(
      {
        PORT: '9090',
        HOST: '0.0.0.0',
        DATA_DIR: 'var/sesame',
        DATABASE_URL: 'postgresql://sesame@db.example/sesame',
        SESAME_SECRET_KEY: key,
        PUBLIC_URL: 'https://files.example.org',
        TRUST_PROXY: 'true',
        LOG_LEVEL: 'warn',
      },
      CWD,
    );
    assert.equal(config.port, 9090);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/srv/sesame/var/sesame');
    assert.equal(config.databaseUrl, 'postgresql://sesame@db.example/sesame');
    assert.equal(config.secretKeyHex, key.toLowerCase());
    assert.equal(config.publicUrl.protocol, 'https:');
    assert.deepEqual(config.trustProxy, ['loopback']);
    assert.equal(config.logLevel, 'warn');
  });

  it('accepts postgres:// as well as postgresql://', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://db/sesame' }, CWD).databaseUrl, 'postgres://db/sesame');
  });

  it('keeps an absolute DATA_DIR as given', () => {
    assert.equal(loadConfig({ DATA_DIR: '/var/lib/sesame' }, CWD).dataDir, '/var/lib/sesame');
  });

  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '0'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', ''],
    ['HOST', ''],
    ['HOST', 'local host'],
    ['DATA_DIR', '  '],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['SESAME_SECRET_KEY', 'abcdef0123'],
    ['SESAME_SECRET_KEY', 'z'.repeat(64)],
    ['SESAME_SECRET_KEY', '0'.repeat(66)],
    ['PUBLIC_URL', 'ftp://x'],
    ['PUBLIC_URL', 'nonsense'],
    ['TRUST_PROXY', 'yes'],
    ['LOG_LEVEL', 'loud'],
  ] as const) {
    it(`refuses ${variable}=${JSON.stringify(value)} with CONFIG_INVALID naming ${variable}`, () => {
      const error = configError({ [variable]: value });
      assert.ok(error.message.includes(variable), `message does not name ${variable}: ${error.message}`);
    });
  }

  it('never echoes the given SESAME_SECRET_KEY in its message', () => {
    for (const value of ['0123456789abcdef0123456789abcdef', `${'f'.repeat(63)}g`, 'deadbeef'.repeat(8) + '00']) {
      const error = configError({ SESAME_SECRET_KEY: value });
      assert.ok(!error.message.includes(value), `message echoes the key: ${error.message}`);
      assert.ok(!error.message.includes(value.slice(0, 16)), `message echoes part of the key: ${error.message}`);
    }
  });

  it('never echoes the credentials of an invalid DATABASE_URL in its message', () => {
    const error = configError({ DATABASE_URL: 'mysql://root:hunter2-s3cret@db.example/sesame' });
    assert.ok(!error.message.includes('hunter2-s3cret'), error.message);
  });

  it('reads TRUST_PROXY=true as the loopback proxies', () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'true' }, CWD).trustProxy, ['loopback']);
  });

  it('reads TRUST_PROXY=false and an empty TRUST_PROXY as trusting no proxy', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }, CWD).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '' }, CWD).trustProxy, false);
  });

  it('accepts TRUST_PROXY as a comma-separated list of CIDR ranges and addresses, spaces trimmed', () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }, CWD).trustProxy, ['10.0.0.0/8', '192.0.2.1']);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.0/8' }, CWD).trustProxy, ['127.0.0.0/8']);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '2001:db8::/32,::1,loopback' }, CWD).trustProxy, [
      '2001:db8::/32',
      '::1',
      'loopback',
    ]);
  });

  for (const value of ['10.0.0.0/33', 'nonsense', '1.2.3.4/x', '10.0.0.0/8, nonsense', '2001:db8::/129', '10.0.0.0/8/8']) {
    it(`refuses TRUST_PROXY=${JSON.stringify(value)} with CONFIG_INVALID naming TRUST_PROXY`, () => {
      const error = configError({ TRUST_PROXY: value });
      assert.ok(error.message.includes('TRUST_PROXY'), `message does not name TRUST_PROXY: ${error.message}`);
    });
  }
});

describe('loadConfig: logs and metrics', () => {
  const TOKEN = 'k9V-2xQ_7mZ~pL.4rT+8wN/3bH6cJ5dF1gS0aY';

  it('logs JSON lines by default, pretty lines with LOG_FORMAT=pretty, and serves no metrics unless asked', () => {
    const config = loadConfig({}, CWD);
    assert.equal(config.logFormat, 'json');
    assert.deepEqual(config.metrics, { token: null, port: null });
    assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }, CWD).logFormat, 'pretty');
  });

  it('takes METRICS_TOKEN and METRICS_PORT, together or alone', () => {
    assert.deepEqual(loadConfig({ METRICS_TOKEN: TOKEN }, CWD).metrics, { token: TOKEN, port: null });
    assert.deepEqual(loadConfig({ METRICS_PORT: '9464' }, CWD).metrics, { token: null, port: 9464 });
    assert.deepEqual(loadConfig({ METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' }, CWD).metrics, { token: TOKEN, port: 9464 });
  });

  it('refuses a LOG_FORMAT it does not know, naming LOG_FORMAT', () => {
    assert.match(configError({ LOG_FORMAT: 'xml' }).message, /LOG_FORMAT must be one of json, pretty \(got "xml"\)/);
  });

  for (const token of ['short-token', 'x'.repeat(31), `${'x'.repeat(40)} y`, `${'x'.repeat(40)}\n`, `${'é'.repeat(40)}`]) {
    it(`refuses METRICS_TOKEN ${JSON.stringify(token.slice(0, 12))}… without echoing it`, () => {
      const error = configError({ METRICS_TOKEN: token });
      assert.match(error.message, /METRICS_TOKEN must be at least 32 characters/);
      assert.ok(!error.message.includes(token), error.message);
    });
  }

  for (const port of ['0', '65536', 'nine', '8080']) {
    it(`refuses METRICS_PORT=${port} (a port, and not the server's own)`, () => {
      assert.match(configError({ METRICS_PORT: port, PORT: '8080' }).message, /METRICS_PORT must be/);
    });
  }
});

describe('loadConfig: the blob store (S3_*)', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const S3 = {
    S3_ENDPOINT: 'http://127.0.0.1:7480',
    S3_BUCKET: 'sesame-files',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: SECRET,
  };

  it('keeps the local disk when no S3_* variable is set (or all are empty)', () => {
    assert.deepEqual(loadConfig({}, CWD).blobStore, { kind: 'local' });
    assert.deepEqual(loadConfig({ S3_BUCKET: '', S3_ENDPOINT: '' }, CWD).blobStore, { kind: 'local' });
  });

  it('reads an S3-compatible store: endpoint, bucket, region us-east-1 by default, the key pair, path style with an endpoint', () => {
    const store = loadConfig(S3, CWD).blobStore;
    assert.equal(store.kind, 's3');
    if (store.kind !== 's3') return;
    assert.equal(store.endpoint?.href, 'http://127.0.0.1:7480/');
    assert.equal(store.bucket, 'sesame-files');
    assert.equal(store.region, 'us-east-1');
    assert.deepEqual(store.credentials, { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET });
    assert.equal(store.forcePathStyle, true);
  });

  it('reads AWS S3 itself (no endpoint: virtual-hosted style, credentials from the SDK when no key pair is given)', () => {
    const store = loadConfig({ S3_BUCKET: 'my.bucket-1', S3_REGION: 'eu-west-3' }, CWD).blobStore;
    assert.deepEqual(store, {
      kind: 's3',
      endpoint: null,
      bucket: 'my.bucket-1',
      region: 'eu-west-3',
      credentials: null,
      forcePathStyle: false,
    });
    const forced = loadConfig({ ...S3, S3_FORCE_PATH_STYLE: 'false' }, CWD).blobStore;
    assert.equal(forced.kind === 's3' && forced.forcePathStyle, false);
  });

  const invalid: [Record<string, string>, string][] = [
    [{ S3_ENDPOINT: 'http://127.0.0.1:7480' }, 'S3_BUCKET'],
    [{ ...S3, S3_BUCKET: 'Upper_Case' }, 'S3_BUCKET'],
    [{ ...S3, S3_BUCKET: 'ab' }, 'S3_BUCKET'],
    [{ ...S3, S3_ENDPOINT: 'ftp://store' }, 'S3_ENDPOINT'],
    [{ ...S3, S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT'],
    [{ ...S3, S3_REGION: 'Paris 1' }, 'S3_REGION'],
    [{ ...S3, S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE'],
    [{ S3_BUCKET: 'b-1', S3_ACCESS_KEY_ID: 'AKIA' }, 'S3_SECRET_ACCESS_KEY'],
    [{ S3_BUCKET: 'b-1', S3_SECRET_ACCESS_KEY: SECRET }, 'S3_ACCESS_KEY_ID'],
    [{ ...S3, S3_SECRET_ACCESS_KEY: 'has space' }, 'S3_SECRET_ACCESS_KEY'],
  ];
  for (const [env, variable] of invalid) {
    it(`refuses ${JSON.stringify(env)} naming ${variable}`, () => {
      const error = configError(env);
      assert.ok(error.message.includes(variable), `message does not name ${variable}: ${error.message}`);
    });
  }

  it('never echoes the secret access key, nor credentials in S3_ENDPOINT', () => {
    const spaced = `${SECRET} x`;
    assert.ok(!configError({ ...S3, S3_SECRET_ACCESS_KEY: spaced }).message.includes(SECRET));
    const error = configError({ ...S3, S3_ENDPOINT: `http://AKIA:${SECRET}@127.0.0.1:7480/?x=1` });
    assert.ok(!error.message.includes(SECRET) && !error.message.includes('AKIA'), error.message);
  });
});
