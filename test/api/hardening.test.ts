/**
 * The hardening after the security review, over real HTTP on SQLite and
 * PostgreSQL (ManualClock, no sleeping):
 * - parallel guesses of a primary password (web sign-in and Basic auth) are
 *   reserved in the throttle counters before argon2 runs (at production
 *   cost, as long as in production), so 30 at once get exactly 5 checks; a TOTP_REQUIRED answer is not a failure; a reserved
 *   success resets the (IP, user) and account counters, not the IP's;
 * - an address blocked by failures over many usernames (a shared NAT) still
 *   lets in users who signed in from it before;
 * - TRUST_PROXY as a list of proxies: the forwarded address is the client's
 *   (recent connections, throttle keys), IPv4-mapped as IPv4, IPv6 as its
 *   /64; without TRUST_PROXY, X-Forwarded-For is ignored;
 * - GET /me challenges for Basic only when Basic was tried; unknown routes
 *   answer 404 before any authentication;
 * - an expired app password's name can be used again, an active one's not;
 * - concurrent creations of one user name make one user.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import { setTotpSecret } from '../../src/accounts/users.js';
import { currentTotpCode, generateTotpSecret } from '../../src/accounts/totp.js';
import { sessionCookieName } from '../../src/auth/http-auth.js';
import { PER_IP, PER_IP_USER } from '../../src/throttle/throttle.js';
import {
  ALL_TABLES,
  BASIC_CHALLENGE,
  PASSWORD,
  STATE_TABLES,
  addAdmin,
  assertError,
  assertUnchanged,
  countRows,
  createPassword,
  forwardAuth,
  freshIp,
  headerUtf8,
  userWithSession,
} from './support.js';

const PARALLEL = 30;
const DAY_MS = 86_400_000;

function postSession(
  server: TestServer,
  body: Record<string, unknown>,
  from: string,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return request(server.url, '/api/v1/session', { method: 'POST', body, from, headers });
}

function assertThrottled(reply: HttpReply): void {
  assertError(reply, 429, 'THROTTLED');
  assert.match(String(reply.headers['retry-after']), /^[1-9]\d*$/, 'Retry-After is a positive whole number of seconds');
}

interface Counter {
  failures: number;
  blockedUntil: number;
}

async function counter(server: TestServer, key: string): Promise<Counter | undefined> {
  const row = await server.server.services.db
    .selectFrom('throttle')
    .select(['failures', 'blocked_until'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { failures: Number(row.failures), blockedUntil: Number(row.blocked_until) };
}

async function failuresOf(server: TestServer, key: string): Promise<number> {
  return (await counter(server, key))?.failures ?? 0;
}

/** Every throttle key that mentions the given text. */
async function keysContaining(server: TestServer, text: string): Promise<string[]> {
  const rows = await server.server.services.db.selectFrom('throttle').select('key').execute();
  return rows.map((r) => r.key).filter((key) => key.includes(text));
}

async function failedConnections(server: TestServer, usernameKey: string): Promise<number> {
  const rows = await server.server.services.db
    .selectFrom('connections')
    .select('count')
    .where('username_key', '=', usernameKey)
    .where('outcome', '=', 'failure')
    .execute();
  return rows.reduce((sum, r) => sum + Number(r.count), 0);
}

function tally(replies: HttpReply[]): string {
  const byStatus = new Map<string, number>();
  for (const r of replies) {
    const label = `${r.status} ${r.json?.error?.code ?? ''}`;
    byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
  }
  return [...byStatus].map(([label, n]) => `${n} × ${label}`).join(', ');
}

for (const dialect of DIALECTS) {
  describe(`hardening after the security review (${dialect})`, () => {
    let server: TestServer;
    let proxied: TestServer;
    let clock: ManualClock;
    let admin: Session;

    before(async () => {
      clock = new ManualClock();
      server = await startServer({ dialect, clock });
      proxied = await startServer({ dialect, env: { TRUST_PROXY: '127.0.0.0/8' } });
      admin = await addAdmin(server, 'root');
    });
    after(async () => {
      await server?.close();
      await proxied?.close();
    });

    async function setPolicy(body: Record<string, unknown>): Promise<void> {
      const reply = await admin.call('/api/v1/admin/policy', { method: 'PUT', body });
      assert.equal(reply.status, 200, reply.text);
    }

    describe('parallel guesses of a primary password', () => {
      it(`checks only ${PER_IP_USER.free} of ${PARALLEL} parallel wrong sign-ins for one user from one address (INVALID_CREDENTIALS) and answers the other ${PARALLEL - PER_IP_USER.free} THROTTLED with Retry-After`, async () => {
        // At production cost, the checks overlap as long as they do in production.
        await addUser(server, 'par-signin', PASSWORD, 'user', { productionArgon2: true });
        const ip = freshIp();
        const replies = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            postSession(server, { username: 'par-signin', password: `wrong guess number ${i}` }, ip),
          ),
        );
        const checked = replies.filter((r) => r.json?.error?.code === 'INVALID_CREDENTIALS');
        const throttled = replies.filter((r) => r.json?.error?.code === 'THROTTLED');
        assert.equal(checked.length, PER_IP_USER.free, tally(replies));
        assert.equal(throttled.length, PARALLEL - PER_IP_USER.free, tally(replies));
        for (const reply of checked) assertError(reply, 401, 'INVALID_CREDENTIALS');
        for (const reply of throttled) assertThrottled(reply);

        assert.equal(await failuresOf(server, `ip-user:${ip}:par-signin`), PER_IP_USER.free);
        // The refused attempts were not counted anywhere, nor shown as failures.
        assert.equal(await failuresOf(server, `ip:${ip}`), PER_IP_USER.free);
        assert.equal(await failuresOf(server, 'account:par-signin'), PER_IP_USER.free);
        assert.equal(await failedConnections(server, 'par-signin'), PER_IP_USER.free);
        // And the address stays blocked for this user, even with the right password.
        assertThrottled(await postSession(server, { username: 'par-signin', password: PASSWORD }, ip));
      });

      it(`checks only ${PER_IP_USER.free} of ${PARALLEL} parallel wrong primary passwords over Basic auth (401) and answers the other ${PARALLEL - PER_IP_USER.free} with 429, when the policy allows the primary password`, async () => {
        await addUser(server, 'par-basic', PASSWORD, 'user', { productionArgon2: true });
        const ip = freshIp();
        await setPolicy({ allowPrimaryPasswordOverBasic: true });
        let replies: HttpReply[];
        try {
          replies = await Promise.all(
            Array.from({ length: PARALLEL }, (_, i) => forwardAuth(server, 'webdav', 'par-basic', `wrong guess number ${i}`, ip)),
          );
        } finally {
          await setPolicy({ allowPrimaryPasswordOverBasic: false });
        }
        const refused = replies.filter((r) => r.status === 401);
        const throttled = replies.filter((r) => r.status === 429);
        assert.equal(refused.length, PER_IP_USER.free, tally(replies));
        assert.equal(throttled.length, PARALLEL - PER_IP_USER.free, tally(replies));
        for (const reply of refused) {
          assertError(reply, 401, 'UNAUTHENTICATED');
          assert.equal(headerUtf8(reply, 'www-authenticate'), BASIC_CHALLENGE);
        }
        for (const reply of throttled) assertThrottled(reply);
        assert.equal(await failuresOf(server, `ip-user:${ip}:par-basic`), PER_IP_USER.free);
        assert.equal(await failuresOf(server, `ip:${ip}`), PER_IP_USER.free);
      });

      it('does not count a TOTP_REQUIRED answer (right password, no code) as a failure', async () => {
        const { id } = await userWithSession(server, 'par-totp');
        const secret = generateTotpSecret();
        await setTotpSecret(server.server.services, id, secret);
        const ip = freshIp();
        for (let i = 0; i < 2; i++) {
          assertError(
            await postSession(server, { username: 'par-totp', password: `wrong ${i}` }, ip),
            401,
            'INVALID_CREDENTIALS',
          );
        }
        const keys = [`ip:${ip}`, `ip-user:${ip}:par-totp`, 'account:par-totp'];
        const before = await Promise.all(keys.map((key) => counter(server, key)));
        assert.deepEqual(
          before.map((c) => c?.failures),
          [2, 2, 2],
        );

        // More TOTP_REQUIRED answers than the free allowance: none counts, none is throttled.
        for (let i = 0; i < PER_IP_USER.free + 1; i++) {
          assertError(await postSession(server, { username: 'par-totp', password: PASSWORD }, ip), 401, 'TOTP_REQUIRED');
        }
        assert.deepEqual(await Promise.all(keys.map((key) => counter(server, key))), before);
        assert.equal(await failedConnections(server, 'par-totp'), 2);

        const signedIn = await postSession(
          server,
          { username: 'par-totp', password: PASSWORD, totp: currentTotpCode(secret, clock.now()) },
          ip,
        );
        assert.equal(signedIn.status, 200, signedIn.text);
      });

      it('after 3 failures, a successful sign-in removes the (IP, user) and account counters and leaves the IP counter where it was', async () => {
        await userWithSession(server, 'par-reset');
        const ip = freshIp();
        for (let i = 0; i < 3; i++) {
          assertError(
            await postSession(server, { username: 'par-reset', password: `wrong ${i}` }, ip),
            401,
            'INVALID_CREDENTIALS',
          );
        }
        assert.equal(await failuresOf(server, `ip-user:${ip}:par-reset`), 3);
        assert.equal(await failuresOf(server, 'account:par-reset'), 3);
        const ipBefore = await counter(server, `ip:${ip}`);
        assert.equal(ipBefore?.failures, 3);

        const reply = await postSession(server, { username: 'par-reset', password: PASSWORD }, ip);
        assert.equal(reply.status, 200, reply.text);

        assert.equal(await counter(server, `ip-user:${ip}:par-reset`), undefined, 'the (IP, user) row is gone');
        assert.equal(await counter(server, 'account:par-reset'), undefined, 'the account row is gone');
        assert.deepEqual(await counter(server, `ip:${ip}`), ipBefore);
      });
    });

    describe('a blocked shared address (NAT)', () => {
      it(`blocks an address after ${PER_IP.free} failures over ${PER_IP.free} unknown usernames, yet lets in a user who signed in from it before (sign-in and Basic)`, async () => {
        const ip = freshIp();
        const known = await userWithSession(server, 'nat-known');
        const stranger = await userWithSession(server, 'nat-stranger');
        const knownSecret = (await createPassword(known.session, { name: 'Mon WebDAV' })).secret;
        const strangerSecret = (await createPassword(stranger.session, { name: 'Mon WebDAV' })).secret;
        // Before the flood, the known user signs in from the shared address.
        await signIn(server.url, 'nat-known', PASSWORD, { from: ip });

        for (let batch = 0; batch < PER_IP.free; batch += 10) {
          const replies = await Promise.all(
            Array.from({ length: Math.min(10, PER_IP.free - batch) }, (_, i) =>
              request(server.url, '/api/v1/me', {
                headers: basic(`nat-ghost-${batch + i}`, 'Wrong-secret-0000000000!'),
                from: ip,
              }),
            ),
          );
          for (const reply of replies) assertError(reply, 401, 'UNAUTHENTICATED');
        }
        const block = await counter(server, `ip:${ip}`);
        assert.equal(block?.failures, PER_IP.free);
        assert.ok(block.blockedUntil > clock.now(), 'the address is blocked');

        // A user who never signed in from this address is refused without a check.
        assertThrottled(await postSession(server, { username: 'nat-stranger', password: PASSWORD }, ip));
        assertThrottled(await request(server.url, '/api/v1/me', { headers: basic('nat-stranger', strangerSecret), from: ip }));

        // The user known at this address gets in, by sign-in and by Basic auth.
        const signedIn = await postSession(server, { username: 'nat-known', password: PASSWORD }, ip);
        assert.equal(signedIn.status, 200, signedIn.text);
        const me = await request(server.url, '/api/v1/me', { headers: basic('nat-known', knownSecret), from: ip });
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.user.username, 'nat-known');

        // Their successes do not lift the address's block for others.
        assert.deepEqual(await counter(server, `ip:${ip}`), block);
        assertThrottled(await postSession(server, { username: 'nat-stranger', password: PASSWORD }, ip));
      });
    });

    describe('the client address behind a proxy', () => {
      async function connectionIps(target: TestServer, session: Session): Promise<string[]> {
        const reply = await session.call('/api/v1/connections');
        assert.equal(reply.status, 200, reply.text);
        return (reply.json.connections as { ip: string; method: string }[])
          .filter((c) => c.method === 'password')
          .map((c) => c.ip)
          .sort();
      }

      it('with TRUST_PROXY=127.0.0.0/8, records the X-Forwarded-For address as the client IP in recent connections', async () => {
        const { session } = await userWithSession(proxied, 'xff-success');
        const reply = await postSession(proxied, { username: 'xff-success', password: PASSWORD }, freshIp(), {
          'x-forwarded-for': '203.0.113.9',
        });
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(await connectionIps(proxied, session), ['203.0.113.9']);
      });

      it('with TRUST_PROXY, refuses a forwarded value that is no address with CLIENT_ADDRESS_INVALID, counting nothing', async () => {
        await userWithSession(proxied, 'xff-garbage');
        const before = await keysContaining(proxied, 'garbage');
        for (const forwarded of ['garbage', 'unknown', '203.0.113.9%eth0', '[203.0.113.9%x]:80']) {
          const reply = await postSession(proxied, { username: 'xff-garbage', password: 'wrong password' }, freshIp(), {
            'x-forwarded-for': forwarded,
          });
          assertError(reply, 400, 'CLIENT_ADDRESS_INVALID');
        }
        assert.deepEqual(await keysContaining(proxied, 'xff-garbage'), before);
      });

      it('with TRUST_PROXY, counts a forwarded address:port as the address', async () => {
        const { session } = await userWithSession(proxied, 'xff-port');
        const reply = await postSession(proxied, { username: 'xff-port', password: PASSWORD }, freshIp(), {
          'x-forwarded-for': '203.0.113.44:5555',
        });
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(await connectionIps(proxied, session), ['203.0.113.44']);
      });

      it('with TRUST_PROXY=127.0.0.0/8, keys the throttle counters on the X-Forwarded-For address', async () => {
        const { session } = await userWithSession(proxied, 'xff-throttle');
        const from = freshIp();
        const reply = await postSession(proxied, { username: 'xff-throttle', password: 'wrong password' }, from, {
          'x-forwarded-for': '203.0.113.10',
        });
        assertError(reply, 401, 'INVALID_CREDENTIALS');
        assert.equal(await failuresOf(proxied, 'ip-user:203.0.113.10:xff-throttle'), 1);
        assert.equal(await failuresOf(proxied, 'ip:203.0.113.10'), 1);
        assert.deepEqual(await keysContaining(proxied, from), [], 'nothing is counted against the proxy');
        assert.deepEqual(await connectionIps(proxied, session), ['203.0.113.10']);
      });

      it('believes only the address the trusted proxy saw, not one the client put in front of it', async () => {
        const { session } = await userWithSession(proxied, 'xff-spoof');
        const reply = await postSession(proxied, { username: 'xff-spoof', password: PASSWORD }, freshIp(), {
          'x-forwarded-for': '198.51.100.66, 203.0.113.11',
        });
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(await connectionIps(proxied, session), ['203.0.113.11']);
      });

      it('writes a forwarded IPv4-mapped address as IPv4 and counts a forwarded IPv6 client as its /64', async () => {
        const { session } = await userWithSession(proxied, 'xff-v6');
        const mapped = await postSession(proxied, { username: 'xff-v6', password: PASSWORD }, freshIp(), {
          'x-forwarded-for': '::ffff:203.0.113.12',
        });
        assert.equal(mapped.status, 200, mapped.text);
        assert.deepEqual(await connectionIps(proxied, session), ['203.0.113.12']);

        for (const address of ['2001:db8:7:7::1', '2001:db8:7:7:ffff::2']) {
          const reply = await postSession(proxied, { username: 'xff-v6', password: 'wrong password' }, freshIp(), {
            'x-forwarded-for': address,
          });
          assertError(reply, 401, 'INVALID_CREDENTIALS');
        }
        assert.equal(await failuresOf(proxied, 'ip-user:2001:db8:7:7::/64:xff-v6'), 2);
        assert.equal(await failuresOf(proxied, 'ip:2001:db8:7:7::/64'), 2);
      });

      it('ignores X-Forwarded-For without TRUST_PROXY: the connection and the throttle keys show the 127.x address', async () => {
        const { session } = await userWithSession(server, 'xff-ignored');
        const ip = freshIp();
        const headers = { 'x-forwarded-for': '203.0.113.9' };
        const ok = await postSession(server, { username: 'xff-ignored', password: PASSWORD }, ip, headers);
        assert.equal(ok.status, 200, ok.text);
        assert.deepEqual(await connectionIps(server, session), [ip]);

        const ipWrong = freshIp();
        const wrong = await postSession(server, { username: 'xff-ignored', password: 'wrong password' }, ipWrong, headers);
        assertError(wrong, 401, 'INVALID_CREDENTIALS');
        assert.equal(await failuresOf(server, `ip-user:${ipWrong}:xff-ignored`), 1);
        assert.deepEqual(await keysContaining(server, '203.0.113.'), []);
      });
    });

    describe('Basic challenge and unknown routes', () => {
      it('answers GET /me without any credentials 401 without a WWW-Authenticate header', async () => {
        const reply = await request(server.url, '/api/v1/me', { from: freshIp() });
        assertError(reply, 401, 'UNAUTHENTICATED');
        assert.equal(reply.headers['www-authenticate'], undefined);
      });

      it('answers GET /me with an ended session 401 without a WWW-Authenticate header', async () => {
        const cookie = `${sessionCookieName(server.server.services)}=no-such-session-token`;
        const reply = await request(server.url, '/api/v1/me', { headers: { cookie }, from: freshIp() });
        assertError(reply, 401, 'UNAUTHENTICATED');
        assert.equal(reply.headers['www-authenticate'], undefined);
      });

      it('answers GET /me with a wrong Basic header 401 with the Basic challenge', async () => {
        await userWithSession(server, 'challenge-me');
        const reply = await request(server.url, '/api/v1/me', {
          headers: basic('challenge-me', 'Wrong-secret-0000000000!'),
          from: freshIp(),
        });
        assertError(reply, 401, 'UNAUTHENTICATED');
        assert.equal(headerUtf8(reply, 'www-authenticate'), BASIC_CHALLENGE);
      });

      it('still challenges on a Basic-only route asked without credentials', async () => {
        const reply = await request(server.url, '/api/v1/forward-auth/webdav', { from: freshIp() });
        assertError(reply, 401, 'UNAUTHENTICATED');
        assert.equal(headerUtf8(reply, 'www-authenticate'), BASIC_CHALLENGE);
      });

      for (const path of ['/api/v1/nope', '/nope']) {
        it(`answers an unknown route (GET ${path}) without credentials 404 NOT_FOUND`, async () => {
          const reply = await request(server.url, path, { from: freshIp() });
          assertError(reply, 404, 'NOT_FOUND');
          assert.equal(reply.headers['www-authenticate'], undefined);
        });
      }

      it('answers an unknown route 404 NOT_FOUND before looking at a wrong Basic header, recording nothing', async () => {
        const reply = await assertUnchanged(
          server,
          () => request(server.url, '/api/v1/nope', { headers: basic('root', 'Wrong-secret-0000000000!'), from: freshIp() }),
          ALL_TABLES,
        );
        assertError(reply, 404, 'NOT_FOUND');
        assert.equal(reply.headers['www-authenticate'], undefined);
      });
    });

    describe('names of expired app passwords', () => {
      it('lets a user create "Mon WebDAV" again once the old one has expired; the old one leaves the list and its secret stays refused', async () => {
        const { session } = await userWithSession(server, 'exp-reuse');
        const old = await createPassword(session, { name: 'Mon WebDAV', expiresInDays: 1 });
        assert.equal((await forwardAuth(server, 'webdav', 'exp-reuse', old.secret, freshIp())).status, 204);

        clock.advance(DAY_MS + 1_000);
        assert.equal((await forwardAuth(server, 'webdav', 'exp-reuse', old.secret, freshIp())).status, 401);

        const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Mon WebDAV' } });
        assert.equal(created.status, 201, created.text);
        assert.equal(created.json.appPassword.name, 'Mon WebDAV');
        const fresh = created.json.appPassword.id as string;

        const list = await session.call('/api/v1/app-passwords');
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(
          (list.json.appPasswords as { id: string; name: string }[]).map((p) => [p.id, p.name]),
          [[fresh, 'Mon WebDAV']],
        );
        assert.equal((await forwardAuth(server, 'webdav', 'exp-reuse', old.secret, freshIp())).status, 401);
        assert.equal((await forwardAuth(server, 'webdav', 'exp-reuse', created.json.password, freshIp())).status, 204);
      });

      it('lets a user rename another password to the name of an expired one', async () => {
        const { session } = await userWithSession(server, 'exp-rename');
        const old = await createPassword(session, { name: 'Ancien', expiresInDays: 1 });
        clock.advance(DAY_MS + 1_000);
        const other = await createPassword(session, { name: 'Nouveau' });
        const renamed = await session.call(`/api/v1/app-passwords/${other.id}`, { method: 'PATCH', body: { name: 'Ancien' } });
        assert.equal(renamed.status, 200, renamed.text);
        const list = await session.call('/api/v1/app-passwords');
        assert.deepEqual(
          (list.json.appPasswords as { id: string; name: string }[]).map((p) => [p.id, p.name]),
          [[other.id, 'Ancien']],
        );
        assert.equal((await forwardAuth(server, 'webdav', 'exp-rename', old.secret, freshIp())).status, 401);
      });

      it('still refuses the name of an active (not expired) password with NAME_TAKEN, changing nothing', async () => {
        const { session } = await userWithSession(server, 'exp-active');
        await createPassword(session, { name: 'Mon WebDAV', expiresInDays: 1 });
        clock.advance(DAY_MS - 1_000);
        const reply = await assertUnchanged(
          server,
          () => session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Mon WebDAV' } }),
          // Not the sessions table: a day later, the request legitimately extends the session.
          STATE_TABLES.filter((table) => table !== 'sessions'),
        );
        assertError(reply, 409, 'NAME_TAKEN');
      });
    });

    describe('concurrent user creation', () => {
      async function createConcurrently(names: string[]): Promise<HttpReply[]> {
        return Promise.all(
          names.map((username) => admin.call('/api/v1/admin/users', { method: 'POST', body: { username, password: PASSWORD } })),
        );
      }

      async function usersNamed(key: string): Promise<number> {
        const rows = await server.server.services.db.selectFrom('users').select('id').where('username_key', '=', key).execute();
        return rows.length;
      }

      async function creationsAudited(key: string): Promise<number> {
        const rows = await server.server.services.db
          .selectFrom('audit_log')
          .select(['target'])
          .where('action', '=', 'user.created')
          .execute();
        return rows.filter((r) => r.target.toLowerCase() === key).length;
      }

      /** Five creations at once; the race is narrow, so it is run over several names. */
      async function assertOneUserOfFive(names: readonly string[], key: string): Promise<void> {
        const users = await countRows(server, 'users');
        const replies = await createConcurrently([...names]);
        const created = replies.filter((r) => r.status === 201);
        const taken = replies.filter((r) => r.status === 409);
        assert.equal(created.length, 1, tally(replies));
        assert.equal(taken.length, 4, tally(replies));
        for (const reply of taken) assertError(reply, 409, 'USER_EXISTS');
        assert.equal(await usersNamed(key), 1);
        assert.equal(await countRows(server, 'users'), users + 1);
        assert.equal(await creationsAudited(key), 1);
      }

      it('makes exactly one user of 5 concurrent creations of the same name: one 201 and four 409 USER_EXISTS, never a 500', async () => {
        for (let round = 0; round < 4; round++) {
          await assertOneUserOfFive(Array<string>(5).fill(`race-user-${round}`), `race-user-${round}`);
        }
      });

      it('makes exactly one user of 5 concurrent creations of one name written in different cases', async () => {
        await assertOneUserOfFive(['Race-Case', 'race-case', 'RACE-CASE', 'rAcE-cAsE', 'Race-case'], 'race-case');
      });
    });
  });
}
