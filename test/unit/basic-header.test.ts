// Unit tests of the strict `Authorization: Basic` parser (RFC 7617,
// src/auth/basic-header.ts): what is absent, what parses, and every kind of
// malformed header — including ones built to make a parser backtrack.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_AUTHORIZATION_LENGTH, parseBasicAuthorization } from '../../src/auth/basic-header.js';

function header(userPass: string | Buffer): string {
  return `Basic ${Buffer.from(userPass).toString('base64')}`;
}

function assertMalformed(value: string): void {
  assert.deepEqual(parseBasicAuthorization(value), { kind: 'malformed' }, `accepted ${JSON.stringify(value.slice(0, 80))}`);
}

describe('parseBasicAuthorization', () => {
  it('reports a missing header as absent', () => {
    assert.deepEqual(parseBasicAuthorization(undefined), { kind: 'absent' });
  });

  it('reports an empty header as absent', () => {
    assert.deepEqual(parseBasicAuthorization(''), { kind: 'absent' });
  });

  it('parses user name and password', () => {
    assert.deepEqual(parseBasicAuthorization(header('alice:4]qxKL%2#jLm>?K^u};5MqA}')), {
      kind: 'basic',
      credentials: { username: 'alice', password: '4]qxKL%2#jLm>?K^u};5MqA}' },
    });
  });

  it('decodes UTF-8 and splits at the first colon only: the password may contain colons', () => {
    assert.deepEqual(parseBasicAuthorization(header('zoë:pa:ss:wörd€')), {
      kind: 'basic',
      credentials: { username: 'zoë', password: 'pa:ss:wörd€' },
    });
  });

  it('accepts the scheme name in any case', () => {
    assert.equal(parseBasicAuthorization(header('alice:secret').replace('Basic', 'bAsIc')).kind, 'basic');
  });

  it('accepts a header of exactly MAX_AUTHORIZATION_LENGTH characters', () => {
    // 'Basic' + 3 spaces + 1016 base64 characters (762 bytes) = 1024.
    const value = `Basic   ${Buffer.from(`alice:${'p'.repeat(756)}`).toString('base64')}`;
    assert.equal(value.length, MAX_AUTHORIZATION_LENGTH);
    assert.deepEqual(parseBasicAuthorization(value), {
      kind: 'basic',
      credentials: { username: 'alice', password: 'p'.repeat(756) },
    });
  });

  it('refuses a header one character over MAX_AUTHORIZATION_LENGTH', () => {
    const value = `Basic    ${Buffer.from(`alice:${'p'.repeat(756)}`).toString('base64')}`;
    assert.equal(value.length, MAX_AUTHORIZATION_LENGTH + 1);
    assertMalformed(value);
  });

  it('refuses a huge header', () => {
    assertMalformed(header(`alice:${'x'.repeat(100_000)}`));
  });

  it('refuses credentials without a colon', () => {
    assertMalformed(header('alicesecret'));
  });

  it('refuses an empty user name', () => {
    assertMalformed(header(':secret'));
  });

  it('refuses an empty password', () => {
    assertMalformed(header('alice:'));
  });

  it('refuses a user name containing a control character', () => {
    assertMalformed(header('ali\u0000ce:secret'));
    assertMalformed(header('ali\nce:secret'));
  });

  it('refuses characters outside the base64 alphabet', () => {
    assertMalformed('Basic YWxp!2U6c2VjcmV0');
    assertMalformed('Basic %%%%');
  });

  it('refuses the URL-safe base64 alphabet', () => {
    // 'a?>:x' encodes to 'YT8+OngK…' in standard base64; '-' and '_' are not standard.
    const standard = Buffer.from('a?>~:x??').toString('base64');
    assert.match(standard, /[+/]/);
    assertMalformed(`Basic ${standard.replace(/\+/g, '-').replace(/\//g, '_')}`);
  });

  it('refuses base64 without its padding', () => {
    const padded = Buffer.from('alice:pw').toString('base64');
    assert.ok(padded.endsWith('='));
    assertMalformed(`Basic ${padded.replace(/=+$/, '')}`);
  });

  it('refuses base64 with a wrong length', () => {
    assertMalformed(`Basic ${Buffer.from('alice:secret').toString('base64')}A`);
  });

  it('refuses non-canonical base64 whose padding bits are not zero', () => {
    // 'YWxpY2U6cHc=' is 'alice:pw'; 'YWxpY2U6cHd=' decodes to the same bytes but is not the canonical encoding.
    assert.equal(Buffer.from('YWxpY2U6cHd=', 'base64').toString(), 'alice:pw');
    assertMalformed('Basic YWxpY2U6cHd=');
  });

  it('refuses base64 split by inner white space', () => {
    assertMalformed('Basic YWxp Y2U6c2VjcmV0');
  });

  it('refuses bytes that are not valid UTF-8', () => {
    assertMalformed(header(Buffer.concat([Buffer.from('alice:'), Buffer.from([0xff, 0xfe, 0x41])])));
    assertMalformed(header(Buffer.concat([Buffer.from('al'), Buffer.from([0xc3]), Buffer.from(':secret')])));
  });

  it('refuses another scheme', () => {
    assertMalformed('Bearer x');
    assertMalformed(`Digest ${Buffer.from('alice:secret').toString('base64')}`);
  });

  it('refuses the scheme alone or glued to the credentials', () => {
    assertMalformed('Basic');
    assertMalformed('Basic ');
    assertMalformed(`Basic${Buffer.from('alice:secret').toString('base64')}`);
  });

  it('answers pathological headers quickly', () => {
    const pathological = [
      `Basic ${'a'.repeat(1000)} `,
      `Basic ${'a'.repeat(1000)}!`,
      `Basic ${' '.repeat(1010)}`,
      `Basic ${' a'.repeat(505)}`,
      `Basic ${'AAAA'.repeat(250)}=`,
      `Basic ${'A'.repeat(1017)}`,
      `${'Basic '.repeat(170)}x`,
    ];
    const started = process.hrtime.bigint();
    for (let round = 0; round < 100; round++) {
      for (const value of pathological) {
        assert.ok(value.length <= MAX_AUTHORIZATION_LENGTH);
        assert.notEqual(parseBasicAuthorization(value).kind, 'basic');
      }
    }
    // 700 parses of ≈1 kB each: linear work takes a few milliseconds; catastrophic backtracking takes seconds.
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 1000, `700 pathological headers took ${elapsedMs.toFixed(0)} ms`);
  });
});
