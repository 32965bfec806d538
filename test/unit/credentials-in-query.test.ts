/**
 * The credential-in-query rule as a pure function: every spelling a query
 * parser could read as a credential's name is caught (separators, encodings,
 * nesting, case, width, punctuation), and ordinary parameters are not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCredentialInQuery, isCredentialKey, queryKeys } from '../../src/http/credentials-in-query.js';

describe('credentials in a query string', () => {
  it('reads the keys of a target, split on & and ;, without values or fragment', () => {
    assert.deepEqual(queryKeys('/x?a=1;password=x&b&&c=2=3#pw=frag'), ['a', 'password', 'b', 'c']);
    assert.deepEqual(queryKeys('/x'), []);
  });

  it('catches every spelling of a credential name', () => {
    for (const key of [
      'password',
      'PASSWORD',
      'password[]',
      'password%5B%5D',
      'user[password]',
      'user.password',
      'app-password',
      'app_password',
      'appPassword',
      'client_secret',
      'clientSecret',
      'pw',
      'pwd',
      'password%20',
      'password+',
      '%70assword',
      'ｐａｓｓｗｏｒｄ',
      'new_password',
      'totpSecret',
      'access_token',
      'api-key',
      'Authorization',
      'sesame_session',
      '__Host-sesame_session',
      'totp',
      'otp',
      'recovery_code',
      'logout_token',
      'x-csrf-token',
      'passphrase',
      'mot_de_passe',
      'pass%ZZword',
    ]) {
      assert.equal(isCredentialKey(key), key !== 'pass%ZZword', key);
    }
  });

  it('catches a credential behind another parameter, whatever the separator', () => {
    assert.equal(hasCredentialInQuery('/api/v1/me?a=1;password=x'), true);
    assert.equal(hasCredentialInQuery('/api/v1/me?a=1&pw=x'), true);
    assert.equal(hasCredentialInQuery('/api/v1/me?a=1&password%20=x'), true);
  });

  it('leaves ordinary parameters alone', () => {
    for (const target of [
      '/api/v1/admin/audit?limit=5&before=2026-01-01T00:00:00Z',
      '/x?passage=1',
      '/x?page=2',
      '/x?q=password',
      '/auth/oidc/callback?code=c&state=s&iss=i&session_state=x',
      '/signin?next=/&sso_error=SSO_FAILED',
      '/x',
    ]) {
      assert.equal(hasCredentialInQuery(target), false, target);
    }
  });
});
