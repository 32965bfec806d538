// Unit tests of the pure SSO rules (src/oidc/identity.ts, safeReturnTo):
// what is read from the claims, the allowed domains on a verified e-mail,
// the admin group, usernames for new accounts, and where a sign-in may land.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSesameError } from '../../src/errors.js';
import {
  checkAllowedDomain,
  identityFromClaims,
  roleFromGroups,
  usernameCandidates,
  type ProviderIdentity,
} from '../../src/oidc/identity.js';
import { safeReturnTo } from '../../src/oidc/sso-sign-in.js';
import { validateUsername } from '../../src/accounts/username.js';

const ISSUER = 'https://login.example.com';

function identity(claims: Record<string, unknown>): ProviderIdentity {
  return identityFromClaims({ iss: ISSUER, sub: 'subject-1', ...claims });
}

describe('identityFromClaims', () => {
  it('reads subject, e-mail, verification, preferred username, groups and sid', () => {
    assert.deepEqual(
      identity({
        email: 'ana@example.com',
        email_verified: true,
        preferred_username: 'ana',
        groups: ['staff', 42, 'admins'],
        sid: 's-1',
      }),
      {
        issuer: ISSUER,
        subject: 'subject-1',
        email: 'ana@example.com',
        emailVerified: true,
        preferredUsername: 'ana',
        groups: ['staff', 'admins'],
        sid: 's-1',
      },
    );
  });

  it('refuses claims without a subject with SSO_FAILED', () => {
    assert.throws(
      () => identityFromClaims({ iss: ISSUER, sub: '  ' }),
      (error) => isSesameError(error, 'SSO_FAILED'),
    );
  });

  it('refuses a subject holding a control character with SSO_FAILED, and takes other such claims as absent', () => {
    for (const sub of ['sub\u0000ject', 'sub\u0085ject']) {
      assert.throws(
        () => identityFromClaims({ iss: ISSUER, sub }),
        (error) => isSesameError(error, 'SSO_FAILED'),
        JSON.stringify(sub),
      );
    }
    const read = identity({ email: 'ana\u0000@example.com', preferred_username: 'a\u0001na', sid: 's\u0000' });
    assert.deepEqual([read.email, read.preferredUsername, read.sid], [null, null, null]);
  });
});

describe('checkAllowedDomain', () => {
  const refused = (claims: Record<string, unknown>, domains: string[]) =>
    assert.throws(
      () => checkAllowedDomain(identity(claims), domains),
      (error) => isSesameError(error, 'SSO_DOMAIN_NOT_ALLOWED'),
    );

  it('lets anyone in when no domain is configured', () => {
    checkAllowedDomain(identity({}), []);
  });

  it('accepts a verified e-mail of an allowed domain, whatever its case', () => {
    checkAllowedDomain(identity({ email: 'Ana@Example.COM', email_verified: true }), ['example.com']);
  });

  it('refuses another domain, a look-alike subdomain, an unverified e-mail and no e-mail', () => {
    refused({ email: 'ana@elsewhere.test', email_verified: true }, ['example.com']);
    refused({ email: 'ana@example.com.evil.test', email_verified: true }, ['example.com']);
    refused({ email: 'ana@example.com' }, ['example.com']);
    refused({ email: 'ana@example.com', email_verified: false }, ['example.com']);
    refused({}, ['example.com']);
  });
});

describe('roleFromGroups', () => {
  it('makes members of the admin group admins and others users', () => {
    assert.equal(roleFromGroups(['staff', 'sesame-admins'], 'sesame-admins'), 'admin');
    assert.equal(roleFromGroups(['staff'], 'sesame-admins'), 'user');
  });

  it('decides nothing when no admin group is configured', () => {
    assert.equal(roleFromGroups(['sesame-admins'], null), null);
  });
});

describe('usernameCandidates', () => {
  it('prefers preferred_username, then the e-mail, each followed by suffixes derived from (issuer, sub)', () => {
    const candidates = usernameCandidates(identity({ preferred_username: 'ana', email: 'ana@example.com' }));
    assert.equal(candidates[0], 'ana');
    assert.match(candidates[1]!, /^ana-[0-9]{6}$/);
    assert.match(candidates[2]!, /^ana-[0-9]{12}$/);
    assert.match(candidates[3]!, /^sso-[0-9a-f]{12}$/);
    assert.equal(usernameCandidates(identity({ email: 'ana@example.com' }))[0], 'ana@example.com');
  });

  it('gives the same identity the same names, and another identity other suffixes', () => {
    const one = usernameCandidates(identity({ preferred_username: 'ana' }));
    assert.deepEqual(usernameCandidates(identity({ preferred_username: 'ana' })), one);
    const other = usernameCandidates(identityFromClaims({ iss: ISSUER, sub: 'subject-2', preferred_username: 'ana' }));
    assert.notEqual(other[1], one[1]);
  });

  it('turns characters a username may not hold into dashes, and keeps room for the suffix', () => {
    assert.equal(usernameCandidates(identity({ preferred_username: 'Ana Lopez: Admin' }))[0], 'Ana-Lopez-Admin');
    const long = usernameCandidates(identity({ preferred_username: 'a'.repeat(100) }));
    for (const name of long) assert.ok([...name].length <= 64, name);
  });

  it('suffixes a name of any script with digits only, so that no candidate mixes scripts', () => {
    for (const name of ['иван', 'ΟΔΟΣ', 'δ', 'ana']) {
      for (const candidate of usernameCandidates(identity({ preferred_username: name }))) {
        assert.doesNotThrow(() => validateUsername(candidate), candidate);
      }
    }
  });

  it('falls back to a derived name when no claim makes a valid username (mixed scripts, nothing given)', () => {
    assert.match(usernameCandidates(identity({ preferred_username: 'аdmin' }))[0]!, /^sso-[0-9a-f]{12}$/);
    assert.match(usernameCandidates(identity({}))[0]!, /^sso-[0-9a-f]{12}$/);
  });
});

describe('safeReturnTo', () => {
  it('keeps a same-origin path with its query', () => {
    assert.equal(safeReturnTo('/settings/connections?tab=recent'), '/settings/connections?tab=recent');
  });

  it('percent-encodes what a Location header cannot carry', () => {
    assert.equal(safeReturnTo('/€uro'), '/%E2%82%ACuro');
    assert.equal(safeReturnTo('/a\u2028b c'), '/a%E2%80%A8b%20c');
    assert.equal(safeReturnTo('/été?x=%C3%A9'), '/%C3%A9t%C3%A9?x=%C3%A9');
  });

  it('falls back to / for anything that could leave the site or is not a path', () => {
    for (const value of [
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      'settings',
      '',
      '/a\nb',
      '/a\ud800',
      undefined,
      42,
    ]) {
      assert.equal(safeReturnTo(value), '/', String(value));
    }
  });
});
