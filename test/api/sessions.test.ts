/**
 * Web sessions over the JSON API, on SQLite and PostgreSQL: sign-in (one
 * INVALID_CREDENTIALS for every wrong answer, TOTP as a second step), the
 * cookie's attributes over http and under an https public URL (`__Host-`),
 * CSRF on every state-changing call, sign-out, disabled accounts, and the
 * primary password change with its consequences for sessions and app
 * passwords.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { currentTotpCode, generateTotpSecret } from '../../src/accounts/totp.js';
import {
  ALL_TABLES,
  STATE_TABLES,
  PASSWORD,
  addAdmin,
  assertError,
  assertUnchanged,
  assertUniform401,
  countRows,
  createPassword,
  forwardAuth,
  freshIp,
  openSession,
  userWithSession,
} from './support.js';

const TOTP_STEP_MS = 30_000;

function postSession(server: TestServer, body: Record<string, unknown>, from?: string): Promise<HttpReply> {
  return request(server.url, '/api/v1/session', { method: 'POST', body, ...(from ? { from } : {}) });
}

/** The attributes of a Set-Cookie header, lower-cased names. */
function cookieAttributes(setCookie: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair, ...rest] = setCookie.split(';').map((part) => part.trim());
  const eq = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const i = part.indexOf('=');
    attributes.set((i < 0 ? part : part.slice(0, i)).toLowerCase(), i < 0 ? '' : part.slice(i + 1));
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}

async function sessionsOf(server: TestServer, userId: string): Promise<number> {
  const rows = await server.server.services.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  return rows.length;
}

for (const dialect of DIALECTS) {
  describe(`web sessions (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;

    async function setPolicy(body: Record<string, unknown>): Promise<void> {
      const reply = await admin.call('/api/v1/admin/policy', { method: 'PUT', body });
      assert.equal(reply.status, 200, reply.text);
    }

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      admin = await addAdmin(server, 'root');
    });
    after(() => server.close());

    describe('sign-in', () => {
      it('answers a wrong password and an unknown user with the same INVALID_CREDENTIALS and message, and opens no session', async () => {
        await addUser(server, 'si-wrong', PASSWORD);
        const sessions = await countRows(server, 'sessions');
        const wrong = await postSession(server, { username: 'si-wrong', password: 'not the password' }, freshIp());
        const unknown = await postSession(server, { username: 'si-nobody', password: 'not the password' }, freshIp());
        assertError(wrong, 401, 'INVALID_CREDENTIALS');
        assertError(unknown, 401, 'INVALID_CREDENTIALS');
        assert.equal(wrong.json.error.message, unknown.json.error.message);
        assert.equal(wrong.text, unknown.text);
        assert.equal(wrong.headers['set-cookie'], undefined);
        assert.equal(unknown.headers['set-cookie'], undefined);
        assert.equal(await countRows(server, 'sessions'), sessions);
      });

      it('sets an HttpOnly, SameSite=Lax cookie without Secure over http, which then authenticates', async () => {
        const user = await addUser(server, 'si-cookie', PASSWORD);
        const reply = await postSession(server, { username: 'si-cookie', password: PASSWORD });
        assert.equal(reply.status, 200, reply.text);
        const setCookie = reply.headers['set-cookie'];
        assert.equal(setCookie?.length, 1);
        const cookie = cookieAttributes(setCookie![0]!);
        assert.equal(cookie.name, 'sesame_session');
        assert.ok(cookie.value.length >= 32);
        assert.ok(cookie.attributes.has('httponly'));
        assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax');
        assert.ok(!cookie.attributes.has('secure'));
        assert.equal(cookie.attributes.get('path'), '/');
        assert.equal(typeof reply.json.csrfToken, 'string');
        assert.equal(reply.json.user.username, 'si-cookie');
        const me = await request(server.url, '/api/v1/me', { headers: { cookie: `${cookie.name}=${cookie.value}` } });
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.via, 'session');
        assert.equal(me.json.user.id, user.id);
        assert.equal(await sessionsOf(server, user.id), 1);
      });

      it('asks a TOTP account for its code: TOTP_REQUIRED, a wrong code refused, the right code signs in as password+totp', async () => {
        const user = await addUser(server, 'si-totp', PASSWORD);
        const secret = generateTotpSecret();
        await setTotpSecret(server.server.services, user.id, secret);
        const ip = freshIp();

        const stored = await server.server.services.db
          .selectFrom('users')
          .select('totp_secret')
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        assert.ok(stored.totp_secret !== null && !stored.totp_secret.includes(secret), 'the TOTP secret is stored sealed');

        const noCode = await postSession(server, { username: 'si-totp', password: PASSWORD }, ip);
        assertError(noCode, 401, 'TOTP_REQUIRED');
        assert.equal(noCode.headers['set-cookie'], undefined);
        // Without the right password, no hint that a code would be needed.
        assertError(
          await postSession(server, { username: 'si-totp', password: 'wrong password' }, ip),
          401,
          'INVALID_CREDENTIALS',
        );

        const valid = new Set([-1, 0, 1].map((step) => currentTotpCode(secret, clock.now() + step * TOTP_STEP_MS)));
        let wrongCode = currentTotpCode(secret, clock.now());
        while (valid.has(wrongCode)) wrongCode = String((Number(wrongCode) + 1) % 1_000_000).padStart(6, '0');
        const wrong = await postSession(server, { username: 'si-totp', password: PASSWORD, totp: wrongCode }, ip);
        assertError(wrong, 401, 'INVALID_CREDENTIALS');
        assert.equal(await sessionsOf(server, user.id), 0);

        const session = await signIn(server.url, 'si-totp', PASSWORD, { totp: currentTotpCode(secret, clock.now()), from: ip });
        const me = await session.call('/api/v1/me');
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.user.twoFactor, true);
        const connections = (await session.call('/api/v1/connections')).json.connections as Array<Record<string, unknown>>;
        assert.ok(
          connections.some((c) => c.method === 'password+totp' && c.outcome === 'success' && c.ip === ip),
          JSON.stringify(connections),
        );
      });

      it('accepts a TOTP code once: replayed in its window it is refused, the next step is accepted', async () => {
        const user = await addUser(server, 'si-replay', PASSWORD);
        const secret = generateTotpSecret();
        await setTotpSecret(server.server.services, user.id, secret);
        const ip = freshIp();
        const code = currentTotpCode(secret, clock.now());
        await signIn(server.url, 'si-replay', PASSWORD, { totp: code, from: ip });
        const replay = await postSession(server, { username: 'si-replay', password: PASSWORD, totp: code }, ip);
        assertError(replay, 401, 'INVALID_CREDENTIALS');
        // The previous step's code, still inside the drift window, is older than the one used: refused too.
        const previous = currentTotpCode(secret, clock.now() - TOTP_STEP_MS);
        if (previous !== code) {
          assertError(
            await postSession(server, { username: 'si-replay', password: PASSWORD, totp: previous }, ip),
            401,
            'INVALID_CREDENTIALS',
          );
        }
        assert.equal(await sessionsOf(server, user.id), 1);
        clock.advance(TOTP_STEP_MS);
        await signIn(server.url, 'si-replay', PASSWORD, { totp: currentTotpCode(secret, clock.now()), from: ip });
        assert.equal(await sessionsOf(server, user.id), 2);
      });

      it('signs out with DELETE /session: the cookie stops working and the session row is gone', async () => {
        const { id } = await userWithSession(server, 'si-out');
        const session = await openSession(server, id);
        assert.equal(await sessionsOf(server, id), 2);
        const reply = await session.call('/api/v1/session', { method: 'DELETE' });
        assert.equal(reply.status, 204, reply.text);
        assertError(await session.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
        assert.equal(await sessionsOf(server, id), 1);
      });

      it("ends a disabled account's sessions: its cookie then gets 401 and it cannot sign in again", async () => {
        await addUser(server, 'si-disabled', PASSWORD);
        const first = await signIn(server.url, 'si-disabled', PASSWORD);
        const me = await first.call('/api/v1/me');
        const second = await openSession(server, me.json.user.id);
        const disabled = await admin.call(`/api/v1/admin/users/${me.json.user.id}/disable`, { method: 'POST' });
        assert.equal(disabled.status, 200, disabled.text);
        assert.equal(disabled.json.user.disabled, true);
        assertError(await first.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
        assertError(await second.call('/api/v1/app-passwords'), 401, 'UNAUTHENTICATED');
        assert.equal(await sessionsOf(server, me.json.user.id), 0);
        assertError(
          await postSession(server, { username: 'si-disabled', password: PASSWORD }, freshIp()),
          401,
          'INVALID_CREDENTIALS',
        );
      });
    });

    describe('CSRF', () => {
      it('refuses state-changing calls without or with a wrong X-CSRF-Token with CSRF_TOKEN_INVALID, changing nothing', async () => {
        const { session, id } = await userWithSession(server, 'csrf1');
        const other = await openSession(server, id);
        const { id: passwordId } = await createPassword(session, { name: 'Existant' });
        const calls: Array<[string, string, unknown]> = [
          ['POST', '/api/v1/app-passwords', { name: 'Forgé' }],
          ['PATCH', `/api/v1/app-passwords/${passwordId}`, { name: 'Forgé', application: 'webdav' }],
          ['DELETE', `/api/v1/app-passwords/${passwordId}`, undefined],
          ['PUT', '/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'a new password 123' }],
          ['DELETE', '/api/v1/session', undefined],
        ];
        for (const token of [undefined, '', 'wrong', other.csrf]) {
          for (const [method, path, body] of calls) {
            const headers: Record<string, string> = { cookie: session.cookie };
            if (token !== undefined) headers['x-csrf-token'] = token;
            const reply = await assertUnchanged(
              server,
              () => request(server.url, path, { method, headers, ...(body === undefined ? {} : { body }) }),
              ALL_TABLES,
            );
            assertError(reply, 403, 'CSRF_TOKEN_INVALID');
          }
        }
        const policy = await assertUnchanged(
          server,
          () =>
            request(server.url, '/api/v1/admin/policy', {
              method: 'PUT',
              headers: { cookie: admin.cookie },
              body: { appPasswordLifetimeDays: 10 },
            }),
          ALL_TABLES,
        );
        assertError(policy, 403, 'CSRF_TOKEN_INVALID');
        // The same session, with its token, may do these things; reads need no token.
        assert.equal((await request(server.url, '/api/v1/app-passwords', { headers: { cookie: session.cookie } })).status, 200);
        assert.equal((await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Forgé' } })).status, 201);
      });
    });

    describe('primary password change', () => {
      function change(session: Session, currentPassword: string, newPassword: string): Promise<HttpReply> {
        return session.call('/api/v1/me/password', { method: 'PUT', body: { currentPassword, newPassword } });
      }

      it('refuses a new password under 8 characters with PASSWORD_TOO_SHORT, changing nothing', async () => {
        const { session } = await userWithSession(server, 'pw-short');
        await createPassword(session, { name: 'Reste' });
        for (const newPassword of ['', '1234567', '😀😀😀😀😀😀😀']) {
          const reply = await assertUnchanged(server, () => change(session, PASSWORD, newPassword), ALL_TABLES);
          assertError(reply, 400, 'PASSWORD_TOO_SHORT');
        }
      });

      it('refuses a wrong current password with CURRENT_PASSWORD_WRONG, changing nothing but the failure record', async () => {
        const { session } = await userWithSession(server, 'pw-wrong');
        await createPassword(session, { name: 'Reste' });
        const reply = await assertUnchanged(
          server,
          () => change(session, 'not my password', 'a perfectly fine one'),
          STATE_TABLES,
        );
        assertError(reply, 403, 'CURRENT_PASSWORD_WRONG');
        const failures = (await session.call('/api/v1/connections')).json.connections.filter(
          (c: { outcome: string; method: string }) => c.outcome === 'failure' && c.method === 'password',
        );
        assert.equal(failures.length, 1);
      });

      it('throttles guesses of the current password like a sign-in, even sent in parallel', async () => {
        const { session } = await userWithSession(server, 'pw-guess');
        const replies = await Promise.all(
          Array.from({ length: 12 }, (_, i) => change(session, `guess number ${i}`, 'a perfectly fine one')),
        );
        const codes = replies.map((r) => r.json.error.code as string);
        assert.equal(codes.filter((c) => c === 'CURRENT_PASSWORD_WRONG').length, 5, codes.join(','));
        assert.equal(codes.filter((c) => c === 'THROTTLED').length, 7, codes.join(','));
        assertError(await change(session, PASSWORD, 'a perfectly fine one'), 429, 'THROTTLED');
      });

      it('accepts a 100-character password and never truncates it', async () => {
        const { session } = await userWithSession(server, 'pw-long');
        const long = Array.from({ length: 100 }, (_, i) => 'Aa1!xY9?kL'[i % 10]).join('');
        assert.equal(long.length, 100);
        const reply = await change(session, PASSWORD, long);
        assert.equal(reply.status, 200, reply.text);
        const ip = freshIp();
        for (const prefix of [long.slice(0, 64), long.slice(0, 72), long.slice(0, 99)]) {
          assertError(await postSession(server, { username: 'pw-long', password: prefix }, ip), 401, 'INVALID_CREDENTIALS');
        }
        assertError(await postSession(server, { username: 'pw-long', password: PASSWORD }, ip), 401, 'INVALID_CREDENTIALS');
        const signedIn = await signIn(server.url, 'pw-long', long, { from: ip });
        assert.equal((await signedIn.call('/api/v1/me')).json.user.username, 'pw-long');
      });

      it('ends the other sessions and keeps the one that made the change', async () => {
        const { session: mine, id } = await userWithSession(server, 'pw-sessions');
        const others = [await openSession(server, id), await openSession(server, id)];
        const reply = await change(mine, PASSWORD, 'another good password');
        assert.equal(reply.status, 200, reply.text);
        for (const other of others) assertError(await other.call('/api/v1/me'), 401, 'UNAUTHENTICATED');
        assert.equal((await mine.call('/api/v1/me')).status, 200);
        assert.equal(await sessionsOf(server, id), 1);
      });

      it('revokes the app passwords at the next request (policy default on)', async () => {
        const { session } = await userWithSession(server, 'pw-revoke');
        const webdav = await createPassword(session, { name: 'WebDAV', application: 'webdav' });
        const free = await createPassword(session, { name: 'Libre' });
        assert.equal((await forwardAuth(server, 'webdav', 'pw-revoke', webdav.secret)).status, 204);
        const reply = await change(session, PASSWORD, 'another good password');
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.json.revokedAppPasswords, 2);
        assertUniform401(await forwardAuth(server, 'webdav', 'pw-revoke', webdav.secret));
        assertUniform401(await forwardAuth(server, 'sync', 'pw-revoke', free.secret));
        assertUniform401(await request(server.url, '/api/v1/me', { headers: basic('pw-revoke', free.secret) }));
        assert.deepEqual((await session.call('/api/v1/app-passwords')).json.appPasswords, []);
      });

      it('keeps the app passwords when the policy says so', async () => {
        const { session } = await userWithSession(server, 'pw-keep');
        const webdav = await createPassword(session, { name: 'WebDAV', application: 'webdav' });
        await setPolicy({ revokeAppPasswordsOnPasswordChange: false });
        try {
          const reply = await change(session, PASSWORD, 'another good password');
          assert.equal(reply.status, 200, reply.text);
          assert.equal(reply.json.revokedAppPasswords, 0);
          assert.equal((await forwardAuth(server, 'webdav', 'pw-keep', webdav.secret)).status, 204);
        } finally {
          await setPolicy({ revokeAppPasswordsOnPasswordChange: true });
        }
      });
    });
  });

  describe(`web sessions under an https public URL (${dialect})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ dialect, env: { PUBLIC_URL: 'https://sesame.example' } });
      await addUser(server, 'secure', PASSWORD);
    });
    after(() => server.close());

    it('names the cookie __Host-sesame_session with Secure, Path=/ and no Domain', async () => {
      const reply = await postSession(server, { username: 'secure', password: PASSWORD });
      assert.equal(reply.status, 200, reply.text);
      const cookie = cookieAttributes(reply.headers['set-cookie']![0]!);
      assert.equal(cookie.name, '__Host-sesame_session');
      assert.ok(cookie.attributes.has('secure'));
      assert.equal(cookie.attributes.get('path'), '/');
      assert.ok(!cookie.attributes.has('domain'));
      assert.ok(cookie.attributes.has('httponly'));
      assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax');
      const me = await request(server.url, '/api/v1/me', { headers: { cookie: `${cookie.name}=${cookie.value}` } });
      assert.equal(me.status, 200, me.text);
      const plainName = await request(server.url, '/api/v1/me', { headers: { cookie: `sesame_session=${cookie.value}` } });
      assertError(plainName, 401, 'UNAUTHENTICATED');
    });
  });
}
