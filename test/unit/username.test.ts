// Unit tests of usernames (src/accounts/username.ts): the RFC 8265
// UsernameCaseMapped key (width mapping, NFC, full case folding) makes
// look-alike names one name, names mixing scripts are refused, and sign-in
// keys trim like creation does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSesameError } from '../../src/errors.js';
import { mixesScripts, usernameKey, validateUsername } from '../../src/accounts/username.js';

describe('username key', () => {
  for (const [a, b] of [
    ['Straße', 'STRASSE'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['Ａｄｍｉｎ', 'admin'],
    ['Admin', 'admin'],
    ['e\u0301lodie', 'Élodie'],
  ]) {
    it(`gives ${a} and ${b} the same key`, () => {
      assert.equal(usernameKey(a!), usernameKey(b!));
    });
  }

  it('trims like creation does, so " alice " signs in as alice', () => {
    assert.equal(usernameKey('  alice '), validateUsername('alice').key);
  });

  it('stores a fullwidth name in its width-mapped form', () => {
    assert.equal(validateUsername('Ａｄｍｉｎ').username, 'Admin');
  });
});

describe('username scripts', () => {
  it('refuses Cyrillic а in an otherwise Latin name with USERNAME_INVALID', () => {
    assert.throws(
      () => validateUsername('\u0430dmin'),
      (e) => isSesameError(e, 'USERNAME_INVALID'),
    );
  });

  for (const name of ['админ', 'οδος', 'alice', 'jean-luc.2', '山田たろう', '김철수', 'مريم']) {
    it(`accepts ${name}, written in one script`, () => {
      assert.equal(mixesScripts(name), false);
      assert.equal(validateUsername(name).username, name);
    });
  }

  it('refuses Greek mixed with Latin', () => {
    assert.equal(mixesScripts('alphaα'), true);
  });
});
