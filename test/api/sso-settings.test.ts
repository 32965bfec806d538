/**
 * What the web UI and administrators read of single sign-on, on SQLite and
 * PostgreSQL: GET /api/v1/sso tells anyone whether to show the button, its
 * text and where it leads; GET /api/v1/admin/sso shows an administrator the
 * configuration but never the client secret; the server refuses to start
 * with a plain-http issuer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { request, type Session } from '../helpers/http.js';
import { isSesameError } from '../../src/errors.js';
import { addAdmin, assertError, userWithSession } from './support.js';

const SECRET = 'sso-client-secret-0123456789';
const OIDC_ENV = {
  PUBLIC_URL: 'https://files.example.com',
  OIDC_ISSUER: 'https://login.example.com/tenant/v2.0',
  OIDC_CLIENT_ID: 'sesame-client',
  OIDC_CLIENT_SECRET: SECRET,
  OIDC_LABEL: 'Se connecter avec Microsoft',
  OIDC_ALLOWED_DOMAINS: 'example.com,example.org',
  OIDC_ADMIN_GROUP: 'sesame-admins',
  OIDC_RECHECK_MINUTES: '30',
};

for (const dialect of DIALECTS) {
  describe(`SSO settings (${dialect})`, () => {
    let plain: TestServer;
    let sso: TestServer;
    let admin: Session;

    before(async () => {
      [plain, sso] = await Promise.all([startServer({ dialect }), startServer({ dialect, env: OIDC_ENV })]);
      admin = await addAdmin(sso, 'root');
    });
    after(async () => {
      await Promise.all([plain.close(), sso.close()]);
    });

    it('tells anyone that SSO is off when it is not configured', async () => {
      const reply = await request(plain.url, '/api/v1/sso');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { enabled: false, label: null, startUrl: null });
    });

    it('tells anyone the button text and start URL when SSO is configured', async () => {
      const reply = await request(sso.url, '/api/v1/sso');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { enabled: true, label: 'Se connecter avec Microsoft', startUrl: '/auth/oidc/start' });
    });

    it('labels the button "Se connecter avec SSO" when OIDC_LABEL is unset', async () => {
      const { OIDC_LABEL: _label, ...env } = OIDC_ENV;
      const unlabelled = await startServer({ dialect, env });
      try {
        assert.equal((await request(unlabelled.url, '/api/v1/sso')).json.label, 'Se connecter avec SSO');
      } finally {
        await unlabelled.close();
      }
    });

    it('shows an administrator the configuration, never the client secret', async () => {
      const reply = await admin.call('/api/v1/admin/sso');
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.json, {
        enabled: true,
        issuer: 'https://login.example.com/tenant/v2.0',
        clientId: 'sesame-client',
        redirectUri: 'https://files.example.com/auth/oidc/callback',
        label: 'Se connecter avec Microsoft',
        allowedDomains: ['example.com', 'example.org'],
        adminGroup: 'sesame-admins',
        recheckMinutes: 30,
        lastRecheckAt: null,
      });
      assert.ok(!reply.text.includes(SECRET));
    });

    it('shows an administrator that SSO is off when it is not configured', async () => {
      const plainAdmin = await addAdmin(plain, 'root');
      const reply = await plainAdmin.call('/api/v1/admin/sso');
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.json, {
        enabled: false,
        issuer: null,
        clientId: null,
        redirectUri: null,
        label: null,
        allowedDomains: [],
        adminGroup: null,
        recheckMinutes: 15,
        lastRecheckAt: null,
      });
    });

    it('keeps the SSO configuration from users who are not administrators', async () => {
      const { session } = await userWithSession(sso, 'alice');
      assertError(await session.call('/api/v1/admin/sso'), 403, 'FORBIDDEN');
      assertError(await request(sso.url, '/api/v1/admin/sso'), 401, 'UNAUTHENTICATED');
    });

    it('refuses to start with a plain-http issuer', async () => {
      await assert.rejects(
        startServer({ dialect, env: { ...OIDC_ENV, OIDC_ISSUER: 'http://127.0.0.1:9/' } }),
        (error) => isSesameError(error, 'CONFIG_INVALID') && /OIDC_ISSUER must be an https/.test(error.message),
      );
    });
  });
}

describe('SSO settings in the OpenAPI document', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
  });
  after(() => server.close());

  it('documents both replies with their fields', async () => {
    const { json } = await request(server.url, '/api/v1/openapi.json');
    const schemaOf = (path: string) => json.paths[path].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(schemaOf('/api/v1/sso').properties).sort(), ['enabled', 'label', 'startUrl']);
    assert.deepEqual(Object.keys(schemaOf('/api/v1/admin/sso').properties).sort(), [
      'adminGroup',
      'allowedDomains',
      'clientId',
      'enabled',
      'issuer',
      'label',
      'lastRecheckAt',
      'recheckMinutes',
      'redirectUri',
    ]);
  });
});
