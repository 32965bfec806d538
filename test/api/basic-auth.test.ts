/**
 * The Basic-auth rules over HTTP, on SQLite and PostgreSQL: one uniform 401
 * (status, body, WWW-Authenticate) for every failure kind and malformed
 * header, on the forward-auth surfaces of webdav/sync/outlook and on GET /me;
 * the same SQL statements and comparable latency for every failure kind; the
 * primary password only by policy and only for a local enabled account
 * without 2FA; no session ever created by Basic auth; credentials in a query
 * string refused.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { LogEvent } from 'kysely';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, type HttpReply, type Session } from '../helpers/http.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { generateTotpSecret } from '../../src/accounts/totp.js';
import {
  ALL_TABLES,
  PASSWORD,
  addAdmin,
  assertError,
  assertUnchanged,
  assertUniform401,
  countRows,
  createPassword,
  forwardAuth,
  freshIp,
  userWithSession,
} from './support.js';

const DAY_MS = 86_400_000;
const APPLICATIONS = ['webdav', 'sync', 'outlook'] as const;

/** A 24-character secret of the right shape that was never issued. */
const NEVER_ISSUED = 'Zq7#Lm2!Xc9@Vb4$Nk6%Tp8&';

interface FailureKind {
  name: string;
  username: string;
  secret: string;
  /** The application whose surface is tried. */
  application: (typeof APPLICATIONS)[number];
  /** False where the password is valid for GET /me, which accepts any application. */
  failsOnMe: boolean;
}

for (const dialect of DIALECTS) {
  describe(`Basic auth (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;
    let capturing = false;
    let captured: string[] = [];
    let reference: HttpReply;
    const kinds: FailureKind[] = [];

    async function setPolicy(body: Record<string, unknown>): Promise<void> {
      const reply = await admin.call('/api/v1/admin/policy', { method: 'PUT', body });
      assert.equal(reply.status, 200, reply.text);
    }

    before(async () => {
      clock = new ManualClock();
      server = await startServer({
        dialect,
        clock,
        onQuery: (event: LogEvent) => {
          if (capturing) captured.push(event.query.sql);
        },
      });
      admin = await addAdmin(server, 'root');

      // One account per failure kind, so that no account nears the 100-failure limit.
      const make = async (username: string, body: Record<string, unknown>) => {
        const { session, id } = await userWithSession(server, username);
        const created = await createPassword(session, body);
        return { username, session, userId: id, ...created };
      };

      const wrongPassword = await make('k-wrongpw', { name: 'WebDAV', application: 'webdav' });
      const owner = await make('k-owner', { name: 'WebDAV', application: 'webdav' });
      const expired = await make('k-expired', { name: 'Court', application: 'webdav', expiresInDays: 1 });
      const revoked = await make('k-revoked', { name: 'Révoqué', application: 'webdav' });
      const deleted = await make('k-deleted', { name: 'Supprimé', application: 'webdav' });
      const wrongApp = await make('k-wrongapp', { name: 'Synchro', application: 'sync' });
      const disabled = await make('k-disabled', { name: 'WebDAV', application: 'webdav' });
      await userWithSession(server, 'k-other');

      // Each credential works before it is made to fail.
      for (const p of [wrongPassword, owner, expired, revoked, deleted, disabled]) {
        assert.equal(
          (await forwardAuth(server, 'webdav', p.username, p.secret)).status,
          204,
          `${p.username} does not work at first`,
        );
      }
      assert.equal((await forwardAuth(server, 'sync', 'k-wrongapp', wrongApp.secret)).status, 204);

      assert.equal((await admin.call(`/api/v1/admin/app-passwords/${revoked.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await deleted.session.call(`/api/v1/app-passwords/${deleted.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await admin.call(`/api/v1/admin/users/${disabled.userId}/disable`, { method: 'POST' })).status, 200);
      clock.advance(DAY_MS); // the one-day password expires exactly now
      await server.server.services.usage.flush(true);

      kinds.push(
        { name: 'unknown user', username: 'k-nobody', secret: NEVER_ISSUED, application: 'webdav', failsOnMe: true },
        { name: 'wrong password', username: 'k-wrongpw', secret: NEVER_ISSUED, application: 'webdav', failsOnMe: true },
        { name: 'password of another user', username: 'k-other', secret: owner.secret, application: 'webdav', failsOnMe: true },
        { name: 'expired', username: 'k-expired', secret: expired.secret, application: 'webdav', failsOnMe: true },
        { name: 'revoked by an admin', username: 'k-revoked', secret: revoked.secret, application: 'webdav', failsOnMe: true },
        { name: 'deleted by its owner', username: 'k-deleted', secret: deleted.secret, application: 'webdav', failsOnMe: true },
        { name: 'wrong application', username: 'k-wrongapp', secret: wrongApp.secret, application: 'webdav', failsOnMe: false },
        { name: 'disabled account', username: 'k-disabled', secret: disabled.secret, application: 'webdav', failsOnMe: true },
      );
      reference = await forwardAuth(server, 'webdav', 'k-nobody', NEVER_ISSUED, freshIp());
    });
    after(() => server.close());

    describe('the uniform failure', () => {
      it('answers 401 with WWW-Authenticate: Basic realm="Sesame", charset="UTF-8" and an error body', () => {
        assertUniform401(reference);
        assert.deepEqual(Object.keys(reference.json), ['error']);
      });

      for (const kindName of [
        'unknown user',
        'wrong password',
        'password of another user',
        'expired',
        'revoked by an admin',
        'deleted by its owner',
        'wrong application',
        'disabled account',
      ]) {
        it(`answers a password failing as "${kindName}" with the same 401, and changes no state`, async () => {
          const kind = kinds.find((k) => k.name === kindName)!;
          for (const application of APPLICATIONS) {
            if (kind.name === 'wrong application' && application === 'sync') continue; // its own application
            const reply = await assertUnchanged(server, () =>
              forwardAuth(server, application, kind.username, kind.secret, freshIp()),
            );
            assertUniform401(reply, reference);
          }
          if (kind.failsOnMe) {
            const me = await assertUnchanged(server, () =>
              request(server.url, '/api/v1/me', { headers: basic(kind.username, kind.secret), from: freshIp() }),
            );
            assertUniform401(me, reference);
          }
        });
      }

      it('refuses a password at the exact instant it expires, and accepted it one second before', async () => {
        const { session } = await userWithSession(server, 'k-edge');
        const { secret } = await createPassword(session, { name: 'Bord', application: 'webdav', expiresInDays: 2 });
        clock.advance(2 * DAY_MS - 1000);
        assert.equal((await forwardAuth(server, 'webdav', 'k-edge', secret)).status, 204);
        clock.advance(1000);
        assertUniform401(await forwardAuth(server, 'webdav', 'k-edge', secret), reference);
        const listed = (await session.call('/api/v1/app-passwords')).json.appPasswords;
        assert.equal(listed[0].expired, true);
      });

      it('answers malformed headers (no colon, bad base64, 8 KiB, other schemes, no user) with the same 401', async () => {
        const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
        const huge = `Basic ${b64(`k-wrongpw:${'x'.repeat(6200)}`)}`;
        assert.ok(huge.length >= 8192);
        const headers = [
          `Basic ${b64('k-wrongpw')}`,
          'Basic !!!not-base64!!!',
          'Basic YWxpY2U6c2VjcmV0===',
          huge,
          'Basic',
          'Bearer abc.def.ghi',
          `Basic ${b64(':no-user')}`,
          `Basic ${b64('k-wrongpw:')}`,
          `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`,
        ];
        for (const authorization of headers) {
          for (const path of ['/api/v1/forward-auth/webdav', '/api/v1/me']) {
            const reply = await assertUnchanged(server, () =>
              request(server.url, path, { headers: { authorization }, from: freshIp() }),
            );
            assertUniform401(reply, reference);
          }
        }
        const none = await request(server.url, '/api/v1/forward-auth/webdav');
        assertUniform401(none, reference);
      });

      it('does not let a Basic header open routes that need a session', async () => {
        const { session } = await userWithSession(server, 'k-session-only');
        const { secret } = await createPassword(session, { name: 'Tout' });
        for (const path of ['/api/v1/app-passwords', '/api/v1/connections', '/api/v1/admin/users']) {
          const reply = await request(server.url, path, { headers: basic('k-session-only', secret) });
          assertError(reply, 401, 'UNAUTHENTICATED');
        }
        const adminSecret = (await createPassword(admin, { name: 'Admin client' })).secret;
        assertError(
          await request(server.url, '/api/v1/admin/users', { headers: basic('root', adminSecret) }),
          401,
          'UNAUTHENTICATED',
        );
      });
    });

    describe('the same work for every failure', () => {
      async function attempt(kind: FailureKind): Promise<HttpReply> {
        return forwardAuth(server, kind.application, kind.username, kind.secret, freshIp());
      }

      it('runs the same SQL statements for every failure kind', async () => {
        for (const kind of kinds) assertUniform401(await attempt(kind), reference); // warm-up
        await server.server.services.usage.flush(true);
        const sequences = new Map<string, string[]>();
        for (const kind of kinds) {
          captured = [];
          capturing = true;
          const reply = await attempt(kind);
          capturing = false;
          assertUniform401(reply, reference);
          sequences.set(kind.name, captured);
        }
        const first = sequences.get('unknown user')!;
        assert.ok(
          first.some((sql) => /join "app_passwords"/i.test(sql)),
          `no app-password lookup in: ${first.join('\n')}`,
        );
        for (const [name, sequence] of sequences) {
          assert.deepEqual(sequence, first, `"${name}" runs other statements than "unknown user"`);
        }
      });
    });

    describe('the primary password over Basic auth', () => {
      it('is refused by default', async () => {
        await userWithSession(server, 'p-default');
        assertUniform401(await forwardAuth(server, 'webdav', 'p-default', PASSWORD, freshIp()), reference);
        assertUniform401(
          await request(server.url, '/api/v1/me', { headers: basic('p-default', PASSWORD), from: freshIp() }),
          reference,
        );
      });

      it('is accepted for a local account without 2FA once the policy allows it', async () => {
        await userWithSession(server, 'p-local');
        await setPolicy({ allowPrimaryPasswordOverBasic: true });
        try {
          const reply = await forwardAuth(server, 'webdav', 'p-local', PASSWORD, freshIp());
          assert.equal(reply.status, 204, reply.text);
          assert.equal(reply.headers['x-sesame-user'], 'p-local');
          const me = await request(server.url, '/api/v1/me', { headers: basic('p-local', PASSWORD) });
          assert.equal(me.status, 200, me.text);
          assert.equal(me.json.via, 'primary-password');
          assertUniform401(await forwardAuth(server, 'webdav', 'p-local', `${PASSWORD}!`, freshIp()), reference);
        } finally {
          await setPolicy({ allowPrimaryPasswordOverBasic: false });
        }
        assertUniform401(await forwardAuth(server, 'webdav', 'p-local', PASSWORD, freshIp()), reference);
      });

      it('is still refused for an account with TOTP and for a disabled account', async () => {
        const { id: totpId } = await userWithSession(server, 'p-totp');
        await setTotpSecret(server.server.services, totpId, generateTotpSecret());
        const { id: disabledId } = await userWithSession(server, 'p-disabled');
        assert.equal((await admin.call(`/api/v1/admin/users/${disabledId}/disable`, { method: 'POST' })).status, 200);
        await setPolicy({ allowPrimaryPasswordOverBasic: true });
        try {
          for (const username of ['p-totp', 'p-disabled']) {
            const reply = await assertUnchanged(server, () => forwardAuth(server, 'webdav', username, PASSWORD, freshIp()));
            assertUniform401(reply, reference);
            assertUniform401(
              await request(server.url, '/api/v1/me', { headers: basic(username, PASSWORD), from: freshIp() }),
              reference,
            );
          }
        } finally {
          await setPolicy({ allowPrimaryPasswordOverBasic: false });
        }
      });
    });

    describe('sessions and query strings', () => {
      it('never creates a web session, with an app password or the primary password', async () => {
        const { session } = await userWithSession(server, 's-basic');
        const { secret } = await createPassword(session, { name: 'Client' });
        const sessionsBefore = await countRows(server, 'sessions');
        const replies = [
          await forwardAuth(server, 'webdav', 's-basic', secret),
          await forwardAuth(server, 'webdav', 's-basic', secret),
          await request(server.url, '/api/v1/me', { headers: basic('s-basic', secret) }),
        ];
        await setPolicy({ allowPrimaryPasswordOverBasic: true });
        try {
          replies.push(await forwardAuth(server, 'sync', 's-basic', PASSWORD));
          replies.push(await request(server.url, '/api/v1/me', { headers: basic('s-basic', PASSWORD) }));
        } finally {
          await setPolicy({ allowPrimaryPasswordOverBasic: false });
        }
        for (const reply of replies) {
          assert.ok(reply.status === 200 || reply.status === 204, reply.text);
          assert.equal(reply.headers['set-cookie'], undefined);
          assert.equal(reply.json?.csrfToken, undefined);
        }
        assert.equal(await countRows(server, 'sessions'), sessionsBefore);
      });

      it('accepts on GET /me a password assigned to any application', async () => {
        const { session } = await userWithSession(server, 's-me');
        for (const application of APPLICATIONS) {
          const { secret } = await createPassword(session, { name: `Pour ${application}`, application });
          const me = await request(server.url, '/api/v1/me', { headers: basic('s-me', secret) });
          assert.equal(me.status, 200, me.text);
          assert.equal(me.json.user.username, 's-me');
        }
      });

      it('refuses credentials in a query string with CREDENTIALS_IN_QUERY and records nothing', async () => {
        const { session } = await userWithSession(server, 's-query');
        const { secret } = await createPassword(session, { name: 'Libre' });
        const cases: Array<[string, Record<string, unknown>]> = [
          ['/api/v1/forward-auth/webdav?password=x', { headers: basic('s-query', secret) }],
          ['/api/v1/forward-auth/webdav?access_token=x', { headers: basic('s-query', secret) }],
          [`/api/v1/forward-auth/sync?PASSWORD=${encodeURIComponent(secret)}`, {}],
          ['/api/v1/me?token=abc', { headers: basic('s-query', secret) }],
          ['/api/v1/me?password=x', {}],
          ['/api/v1/session?password=x', { method: 'POST', body: { username: 's-query', password: PASSWORD } }],
          ...['password[]', 'app-password', 'client_secret', 'pw', 'password%20', 'a=1;password', 'user%5Bpassword%5D'].map(
            (key): [string, Record<string, unknown>] => [
              `/api/v1/forward-auth/webdav?${key}=x`,
              { headers: basic('s-query', secret) },
            ],
          ),
        ];
        for (const [path, options] of cases) {
          const reply = await assertUnchanged(
            server,
            () => request(server.url, path, { ...options, from: freshIp() }),
            ALL_TABLES,
          );
          assertError(reply, 400, 'CREDENTIALS_IN_QUERY');
          assert.equal(reply.headers['set-cookie'], undefined);
        }
        const listed = (await session.call('/api/v1/app-passwords')).json.appPasswords;
        assert.equal(listed[0].application, null, 'the password was bound by a refused request');
        assert.equal(listed[0].lastUsed, null);
      });
    });
  });
}
