// Unit tests of the OIDC_* part of loadConfig and of the issuer transport
// rule: single sign-on is on with all three required variables, off with
// none, and a partial configuration stops start-up with CONFIG_INVALID
// naming what is missing, never echoing the client secret.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type OidcConfig } from '../../src/config/config.js';
import { isSesameError } from '../../src/errors.js';
import { checkIssuerTransport } from '../../src/oidc/issuer-transport.js';

const CWD = '/srv/sesame';
const SECRET = 'client-secret-never-shown';
const REQUIRED = {
  OIDC_ISSUER: 'https://login.example.com/tenant/v2.0',
  OIDC_CLIENT_ID: 'sesame',
  OIDC_CLIENT_SECRET: SECRET,
};

function oidcOf(env: Record<string, string>): OidcConfig | null {
  return loadConfig({ PUBLIC_URL: 'https://files.example.com', ...env }, CWD).oidc;
}

function configError(env: Record<string, string>): Error {
  try {
    oidcOf(env);
  } catch (error) {
    assert.ok(isSesameError(error, 'CONFIG_INVALID'), `expected CONFIG_INVALID, got ${String(error)}`);
    assert.ok(!error.message.includes(SECRET), 'the message never shows the client secret');
    return error;
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
}

describe('OIDC configuration', () => {
  it('is off when no OIDC_* variable is set', () => {
    assert.equal(oidcOf({}), null);
  });

  it('is on with issuer, client id and secret, with the documented defaults', () => {
    const oidc = oidcOf(REQUIRED)!;
    assert.equal(oidc.issuer.href, 'https://login.example.com/tenant/v2.0');
    assert.equal(oidc.clientId, 'sesame');
    assert.equal(oidc.clientSecret, SECRET);
    assert.equal(oidc.redirectUri.href, 'https://files.example.com/auth/oidc/callback');
    assert.equal(oidc.label, 'Se connecter avec SSO');
    assert.deepEqual(oidc.allowedDomains, []);
    assert.equal(oidc.adminGroup, null);
    assert.equal(oidc.recheckMinutes, 15);
  });

  it('reads the label, the allowed domains (lower-cased), the admin group and the re-check interval', () => {
    const oidc = oidcOf({
      ...REQUIRED,
      OIDC_LABEL: 'Se connecter avec Microsoft',
      OIDC_ALLOWED_DOMAINS: 'Example.com, corp.example.org',
      OIDC_ADMIN_GROUP: 'sesame-admins',
      OIDC_RECHECK_MINUTES: '5',
    })!;
    assert.equal(oidc.label, 'Se connecter avec Microsoft');
    assert.deepEqual(oidc.allowedDomains, ['example.com', 'corp.example.org']);
    assert.equal(oidc.adminGroup, 'sesame-admins');
    assert.equal(oidc.recheckMinutes, 5);
  });

  it('keeps a public URL with a path in the redirect URI', () => {
    const oidc = loadConfig({ PUBLIC_URL: 'https://example.com/files', ...REQUIRED }, CWD).oidc!;
    assert.equal(oidc.redirectUri.href, 'https://example.com/files/auth/oidc/callback');
  });

  it('refuses a partial configuration, naming the missing variables', () => {
    const { OIDC_CLIENT_SECRET: _secret, ...withoutSecret } = REQUIRED;
    assert.match(configError(withoutSecret).message, /OIDC_CLIENT_SECRET/);
    assert.match(configError({ OIDC_CLIENT_SECRET: SECRET }).message, /OIDC_ISSUER, OIDC_CLIENT_ID/);
  });

  it('refuses optional OIDC_* variables without the required ones', () => {
    assert.match(configError({ OIDC_LABEL: 'Se connecter avec Google' }).message, /OIDC_LABEL/);
    assert.match(configError({ OIDC_ADMIN_GROUP: 'admins' }).message, /OIDC_ADMIN_GROUP/);
  });

  it('refuses an issuer that is not an http(s) URL, or has a query, fragment or credentials', () => {
    for (const issuer of [
      'login.example.com',
      'ftp://login.example.com',
      'https://login.example.com/?tenant=1',
      'https://a:b@login.example.com',
    ]) {
      assert.match(configError({ ...REQUIRED, OIDC_ISSUER: issuer }).message, /OIDC_ISSUER/);
    }
  });

  it('refuses a re-check interval outside 1–1440 minutes and malformed domains', () => {
    for (const minutes of ['0', '1441', '2.5', 'soon']) {
      assert.match(configError({ ...REQUIRED, OIDC_RECHECK_MINUTES: minutes }).message, /OIDC_RECHECK_MINUTES/);
    }
    for (const domains of ['@example.com', 'example', 'exa mple.com']) {
      assert.match(configError({ ...REQUIRED, OIDC_ALLOWED_DOMAINS: domains }).message, /OIDC_ALLOWED_DOMAINS/);
    }
  });
});

describe('issuer transport', () => {
  const withIssuer = (issuer: string) => oidcOf({ ...REQUIRED, OIDC_ISSUER: issuer })!;
  const refusal = (issuer: string, allow: boolean) => {
    try {
      checkIssuerTransport(withIssuer(issuer), allow);
    } catch (error) {
      assert.ok(isSesameError(error, 'CONFIG_INVALID'));
      assert.match(error.message, /OIDC_ISSUER must be an https:\/\/ URL/);
      return;
    }
    assert.fail(`${issuer} was accepted`);
  };

  it('accepts https', () => {
    checkIssuerTransport(withIssuer('https://login.example.com'), false);
  });

  it('refuses http without the test-only switch, even on loopback', () => {
    refusal('http://127.0.0.1:9000', false);
    refusal('http://login.example.com', false);
  });

  it('with the test-only switch, allows http to 127.0.0.1 and nowhere else', () => {
    checkIssuerTransport(withIssuer('http://127.0.0.1:9000'), true);
    refusal('http://localhost:9000', true);
    refusal('http://login.example.com', true);
  });
});
