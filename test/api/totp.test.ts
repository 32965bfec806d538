/**
 * TOTP through the JSON API, on SQLite and PostgreSQL: enrolment (secret,
 * otpauth URI, QR code), confirmation with ten recovery codes shown once
 * and stored as keyed hashes, sign-in with a code computed here from the
 * secret (replay and out-of-window refused), recovery codes good once,
 * regeneration, turning it off, throttling of wrong codes, the admin
 * policy "2FA required for local accounts", and the rule of the help page:
 * an account with TOTP or SSO never uses its primary password over Basic.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import { currentTotpCode, generateTotpSecret } from '../../src/accounts/totp.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { argon2CostOf, hashPassword } from '../../src/accounts/primary-password.js';
import { insertUserIfNameFree } from '../../src/repositories/users.js';
import {
  PASSWORD,
  assertError,
  assertUnchanged,
  assertUniform401,
  createPassword,
  forwardAuth,
  freshIp,
  openSession,
  postSession,
  updatePolicyAs,
  userWithSession,
} from './support.js';

const STEP_MS = 30_000;

for (const dialect of DIALECTS) {
  describe(`TOTP and recovery codes (${dialect})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let admin: Session;

    const setPolicy = (body: Record<string, unknown>) => updatePolicyAs(admin, body);

    /** A fresh local account signed in through POST /session. */
    async function signedIn(name: string, from: string): Promise<{ session: Session; id: string }> {
      const user = await addUser(server, name, PASSWORD);
      return { session: await signIn(server.url, name, PASSWORD, { from }), id: user.id };
    }

    /** Enrols through the API and returns the secret and the recovery codes; the clock then moves past the confirming step. */
    async function enrol(session: Session, from: string): Promise<{ secret: string; recoveryCodes: string[] }> {
      const started = await session.call('/api/v1/me/totp', { method: 'POST', from });
      assert.equal(started.status, 200, started.text);
      const secret = started.json.secret as string;
      const confirmed = await session.call('/api/v1/me/totp/confirm', {
        method: 'POST',
        body: { code: currentTotpCode(secret, clock.now()) },
        from,
      });
      assert.equal(confirmed.status, 200, confirmed.text);
      clock.advance(STEP_MS);
      return { secret, recoveryCodes: confirmed.json.recoveryCodes };
    }

    async function methodsOf(session: Session): Promise<string[]> {
      const reply = await session.call('/api/v1/connections');
      assert.equal(reply.status, 200, reply.text);
      return (reply.json.connections as { method: string; outcome: string }[])
        .filter((c) => c.outcome === 'success')
        .map((c) => c.method);
    }

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      // The administrator has 2FA, so that the policy requiring it does not hold them to enrolment.
      const root = await userWithSession(server, 'root', 'admin');
      await setTotpSecret(server.server.services, root.id, generateTotpSecret());
      admin = root.session;
    });
    after(() => server.close());

    it('starts enrolment with a base32 secret, its otpauth URI and a QR code in SVG, without changing sign-in yet', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-start', ip);
      const reply = await session.call('/api/v1/me/totp', { method: 'POST', from: ip });
      assert.equal(reply.status, 200, reply.text);
      const { secret, otpauthUri, qrCodeSvg } = reply.json;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const uri = new URL(otpauthUri);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.host, 'totp');
      assert.equal(decodeURIComponent(uri.pathname), '/Sésame:t-start');
      assert.equal(uri.searchParams.get('secret'), secret);
      assert.equal(uri.searchParams.get('issuer'), 'Sésame');
      assert.match(qrCodeSvg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.ok(qrCodeSvg.includes('<path'), 'the SVG draws the code');

      const me = await session.call('/api/v1/me');
      assert.equal(me.json.user.twoFactor, false);
      const stored = await server.server.services.db
        .selectFrom('users')
        .select(['totp_secret', 'totp_pending_secret'])
        .where('username', '=', 't-start')
        .executeTakeFirstOrThrow();
      assert.equal(stored.totp_secret, null);
      assert.ok(
        stored.totp_pending_secret !== null && !stored.totp_pending_secret.includes(secret),
        'the pending secret is sealed',
      );
      assert.equal((await postSession(server, { username: 't-start', password: PASSWORD }, ip)).status, 200);
    });

    it('refuses a wrong confirmation code and keeps 2FA off; the right one turns it on with 10 recovery codes stored as keyed hashes', async () => {
      const ip = freshIp();
      const { session, id } = await signedIn('t-confirm', ip);
      const started = await session.call('/api/v1/me/totp', { method: 'POST', from: ip });
      const secret = started.json.secret as string;
      const wrongCode = String((Number(currentTotpCode(secret, clock.now())) + 500_000) % 1_000_000).padStart(6, '0');
      assertError(
        await session.call('/api/v1/me/totp/confirm', { method: 'POST', body: { code: wrongCode }, from: ip }),
        403,
        'TOTP_CODE_INVALID',
      );
      assert.equal((await session.call('/api/v1/me')).json.user.twoFactor, false);

      const confirmed = await session.call('/api/v1/me/totp/confirm', {
        method: 'POST',
        body: { code: currentTotpCode(secret, clock.now()) },
        from: ip,
      });
      assert.equal(confirmed.status, 200, confirmed.text);
      const codes = confirmed.json.recoveryCodes as string[];
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
      assert.equal((await session.call('/api/v1/me')).json.user.twoFactor, true);

      const rows = await server.server.services.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', id).execute();
      assert.equal(rows.length, 10);
      const stored = JSON.stringify(rows);
      for (const code of codes) {
        assert.ok(!stored.includes(code) && !stored.includes(code.replace('-', '')), 'no recovery code is stored as text');
      }
      const audit = await admin.call('/api/v1/admin/audit');
      assert.ok(
        audit.json.entries.some(
          (e: { action: string; target: string }) => e.action === 'user.totp-enabled' && e.target === 't-confirm',
        ),
      );
      assert.ok(
        !audit.text.includes(secret) && !codes.some((code) => audit.text.includes(code)),
        'the audit log holds no secret',
      );
    });

    it('then asks for the code at sign-in: TOTP_REQUIRED, the confirming code replayed refused, a fresh code signs in as password+totp', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-signin', ip);
      const started = await session.call('/api/v1/me/totp', { method: 'POST', from: ip });
      const secret = started.json.secret as string;
      const confirmingCode = currentTotpCode(secret, clock.now());
      assert.equal(
        (await session.call('/api/v1/me/totp/confirm', { method: 'POST', body: { code: confirmingCode }, from: ip })).status,
        200,
      );

      const noCode = await postSession(server, { username: 't-signin', password: PASSWORD }, ip);
      assertError(noCode, 401, 'TOTP_REQUIRED');
      assert.equal(noCode.headers['set-cookie'], undefined, 'no session before the second factor');
      assertError(
        await postSession(server, { username: 't-signin', password: PASSWORD, totp: confirmingCode }, ip),
        401,
        'INVALID_CREDENTIALS',
      );
      clock.advance(STEP_MS);
      const signedInWithCode = await signIn(server.url, 't-signin', PASSWORD, {
        totp: currentTotpCode(secret, clock.now()),
        from: ip,
      });
      assert.ok((await methodsOf(signedInWithCode)).includes('password+totp'));
    });

    it('refuses a code outside the ±1 step window', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-window', ip);
      const { secret } = await enrol(session, ip);
      for (const offset of [-2, 2]) {
        assertError(
          await postSession(
            server,
            { username: 't-window', password: PASSWORD, totp: currentTotpCode(secret, clock.now() + offset * STEP_MS) },
            ip,
          ),
          401,
          'INVALID_CREDENTIALS',
        );
      }
      await signIn(server.url, 't-window', PASSWORD, { totp: currentTotpCode(secret, clock.now() + STEP_MS), from: ip });
    });

    it('accepts a recovery code once, typed loosely, shown as a recovery-code sign-in', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-recovery', ip);
      const { recoveryCodes } = await enrol(session, ip);
      const code = recoveryCodes[0]!;
      const loosely = ` ${code.toUpperCase().replace('-', ' ')} `;
      const viaRecovery = await signIn(server.url, 't-recovery', PASSWORD, { totp: loosely, from: ip });
      assert.ok((await methodsOf(viaRecovery)).includes('recovery-code'));
      assertError(
        await postSession(server, { username: 't-recovery', password: PASSWORD, totp: code }, ip),
        401,
        'INVALID_CREDENTIALS',
      );
      await signIn(server.url, 't-recovery', PASSWORD, { totp: recoveryCodes[1]!, from: ip });
    });

    it('regenerates recovery codes for a current code: the old ones stop working, the new ones work', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-regen', ip);
      const { secret, recoveryCodes: old } = await enrol(session, ip);
      assertError(
        await session.call('/api/v1/me/recovery-codes', { method: 'POST', body: { code: '000000' }, from: ip }),
        403,
        'TOTP_CODE_INVALID',
      );
      const regenerated = await session.call('/api/v1/me/recovery-codes', {
        method: 'POST',
        body: { code: currentTotpCode(secret, clock.now()) },
        from: ip,
      });
      assert.equal(regenerated.status, 200, regenerated.text);
      const fresh = regenerated.json.recoveryCodes as string[];
      assert.equal(fresh.length, 10);
      assert.ok(!fresh.some((code) => old.includes(code)));
      assertError(
        await postSession(server, { username: 't-regen', password: PASSWORD, totp: old[0] }, ip),
        401,
        'INVALID_CREDENTIALS',
      );
      await signIn(server.url, 't-regen', PASSWORD, { totp: fresh[0]!, from: ip });
    });

    it('turns 2FA off for a current code only; then the password alone signs in and the recovery codes are gone', async () => {
      const ip = freshIp();
      const { session, id } = await signedIn('t-off', ip);
      const { secret, recoveryCodes } = await enrol(session, ip);
      assertError(
        await session.call('/api/v1/me/totp', { method: 'DELETE', body: { code: 'aaaaa-aaaaa' }, from: ip }),
        403,
        'TOTP_CODE_INVALID',
      );
      assertError(await session.call('/api/v1/me/totp', { method: 'POST', from: ip }), 409, 'TOTP_ALREADY_ENABLED');
      const off = await session.call('/api/v1/me/totp', {
        method: 'DELETE',
        body: { code: currentTotpCode(secret, clock.now()) },
        from: ip,
      });
      assert.equal(off.status, 204, off.text);
      assert.equal((await session.call('/api/v1/me')).json.user.twoFactor, false);
      const left = await server.server.services.db.selectFrom('recovery_codes').select('id').where('user_id', '=', id).execute();
      assert.equal(left.length, 0);
      assert.equal((await postSession(server, { username: 't-off', password: PASSWORD }, ip)).status, 200);
      assertError(
        await session.call('/api/v1/me/recovery-codes', { method: 'POST', body: { code: recoveryCodes[0] }, from: ip }),
        409,
        'TOTP_NOT_ENABLED',
      );
    });

    it('refuses a confirmation without enrolment under way, and malformed codes with VALIDATION_FAILED, changing nothing', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-bad', ip);
      assertError(
        await session.call('/api/v1/me/totp/confirm', { method: 'POST', body: { code: '123456' }, from: ip }),
        409,
        'TOTP_NOT_PENDING',
      );
      for (const body of [{ code: 123456 }, { code: '12\u00003456' }, {}, { code: '123456', extra: true }]) {
        const reply = await assertUnchanged(server, () =>
          session.call('/api/v1/me/totp/confirm', { method: 'POST', body, from: ip }),
        );
        assertError(reply, 400, 'VALIDATION_FAILED');
      }
    });

    it('throttles repeated wrong codes at sign-in and counts them against the account', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-throttle', ip);
      const { secret } = await enrol(session, ip);
      const right = currentTotpCode(secret, clock.now());
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      let throttledAt = -1;
      for (let i = 0; i < 8 && throttledAt < 0; i++) {
        const reply = await postSession(server, { username: 't-throttle', password: PASSWORD, totp: wrong }, ip);
        if (reply.status === 429) throttledAt = i;
        else assertError(reply, 401, 'INVALID_CREDENTIALS');
      }
      assert.equal(throttledAt, 5, 'the sixth attempt in a row waits');
      const throttled = await postSession(server, { username: 't-throttle', password: PASSWORD, totp: right }, ip);
      assertError(throttled, 429, 'THROTTLED');
      assert.ok(Number(throttled.headers['retry-after']) > 0);
      const account = await server.server.services.db
        .selectFrom('throttle')
        .select('failures')
        .where('key', '=', 'account:t-throttle')
        .executeTakeFirstOrThrow();
      assert.equal(Number(account.failures), 5);
    });

    it('throttles wrong codes on the enrolment and recovery routes too', async () => {
      const ip = freshIp();
      const { session } = await signedIn('t-throttle-routes', ip);
      await session.call('/api/v1/me/totp', { method: 'POST', from: ip });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push(
          (await session.call('/api/v1/me/totp/confirm', { method: 'POST', body: { code: '000000' }, from: ip })).status,
        );
      }
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429]);
    });

    describe('policy "2FA required for local accounts"', () => {
      after(() => setPolicy({ requireTwoFactorForLocalAccounts: false, allowPrimaryPasswordOverBasic: false }));

      it('lets a local account without 2FA do nothing but enrol, then everything once it is on', async () => {
        const ip = freshIp();
        const { session } = await signedIn('t-policy', ip);
        const { secret: appSecret } = await createPassword(session, { name: 'Before the policy', application: 'webdav' });
        await setPolicy({ requireTwoFactorForLocalAccounts: true, allowPrimaryPasswordOverBasic: true });
        assertError(await session.call('/api/v1/app-passwords'), 403, 'TWO_FACTOR_ENROLMENT_REQUIRED');
        assertError(
          await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Blocked' } }),
          403,
          'TWO_FACTOR_ENROLMENT_REQUIRED',
        );
        assertError(await session.call('/api/v1/connections'), 403, 'TWO_FACTOR_ENROLMENT_REQUIRED');
        assert.equal((await session.call('/api/v1/me')).status, 200);
        // A fresh sign-in is still possible, and is held the same way.
        const again = await signIn(server.url, 't-policy', PASSWORD, { from: ip });
        assertError(await again.call('/api/v1/app-passwords'), 403, 'TWO_FACTOR_ENROLMENT_REQUIRED');
        // The primary password stops working over Basic, whatever allowPrimaryPasswordOverBasic says.
        assertUniform401(await forwardAuth(server, 'webdav', 't-policy', PASSWORD, freshIp()));
        assert.equal((await forwardAuth(server, 'webdav', 't-policy', appSecret, freshIp())).status, 204);

        await enrol(session, ip);
        assert.equal((await session.call('/api/v1/app-passwords')).status, 200);
      });

      it('does not hold an account that already has 2FA, nor an administrator with it', async () => {
        const ip = freshIp();
        const { session } = await signedIn('t-policy-ok', ip);
        await enrol(session, ip);
        await setPolicy({ requireTwoFactorForLocalAccounts: true });
        assert.equal((await session.call('/api/v1/app-passwords')).status, 200);
      });
    });

    describe('the rule of the help page: primary credentials never over Basic for TOTP and SSO accounts', () => {
      before(() => setPolicy({ allowPrimaryPasswordOverBasic: true, requireTwoFactorForLocalAccounts: false }));
      after(() => setPolicy({ allowPrimaryPasswordOverBasic: false }));

      it('refuses a TOTP account its primary password on Basic, and accepts its app password', async () => {
        const ip = freshIp();
        const { session } = await signedIn('t-rule-totp', ip);
        await enrol(session, ip);
        const { secret } = await createPassword(session, { name: 'Drive', application: 'webdav' });
        assertUniform401(await forwardAuth(server, 'webdav', 't-rule-totp', PASSWORD, freshIp()));
        assertUniform401(await request(server.url, '/api/v1/me', { headers: basic('t-rule-totp', PASSWORD), from: freshIp() }));
        assert.equal((await forwardAuth(server, 'webdav', 't-rule-totp', secret, freshIp())).status, 204);
      });

      it('refuses an SSO account a password hash it may carry, and accepts its app password', async () => {
        const services = server.server.services;
        const id = crypto.randomUUID();
        const now = clock.now();
        assert.ok(
          await insertUserIfNameFree(services.db, {
            id,
            username: 't-rule-sso',
            usernameKey: 't-rule-sso',
            role: 'user',
            authSource: 'oidc',
            passwordHash: await hashPassword(PASSWORD, argon2CostOf(services)),
            sealedTotpSecret: null,
            totpLastStep: null,
            sealedPendingTotpSecret: null,
            disabledAt: null,
            passwordChangedAt: null,
            createdAt: now,
          }),
        );
        const session = await openSession(server, id);
        const { secret } = await createPassword(session, { name: 'Drive', application: 'webdav' });
        assertUniform401(await forwardAuth(server, 'webdav', 't-rule-sso', PASSWORD, freshIp()));
        assertError(await session.call('/api/v1/me/totp', { method: 'POST' }), 409, 'TOTP_NOT_LOCAL');
        assert.equal((await forwardAuth(server, 'webdav', 't-rule-sso', secret, freshIp())).status, 204);
      });

      it('accepts a plain local account only while the policy allows it', async () => {
        await addUser(server, 't-rule-plain', PASSWORD);
        assert.equal((await forwardAuth(server, 'webdav', 't-rule-plain', PASSWORD, freshIp())).status, 204);
        await setPolicy({ allowPrimaryPasswordOverBasic: false });
        assertUniform401(await forwardAuth(server, 'webdav', 't-rule-plain', PASSWORD, freshIp()));
        await setPolicy({ allowPrimaryPasswordOverBasic: true });
      });
    });
  });
}
