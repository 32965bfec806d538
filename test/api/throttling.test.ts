/**
 * Brute-force throttling over real HTTP, on SQLite and PostgreSQL, with a
 * ManualClock (no sleeping): per (IP, username) and per IP with growing
 * delays answered 429 + Retry-After without checking the secret, one address
 * never locking the owner out of another, window and success resets, the
 * account-wide limit of 100 consecutive failures (NIST SP 800-63B) that only
 * addresses where the owner signed in before get past, failures shown in
 * recent connections, and the same guard on the web sign-in.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, ManualClock, startServer, addUser, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply } from '../helpers/http.js';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { ACCOUNT_FAILURE_LIMIT, ACCOUNT_LOCK_RETRY_AFTER_S, PER_IP, PER_IP_USER } from '../../src/throttle/throttle.js';

const PRIMARY = 'correct horse battery';
const WRONG = 'Wrong-secret-0000000000!';

for (const dialect of DIALECTS) {
  describe(`throttling of failed attempts (${dialect})`, () => {
    let server: TestServer;
    const clock = new ManualClock();

    before(async () => {
      server = await startServer({ dialect, clock });
    });
    after(() => server.close());

    /** A user with one unassigned app password (set-up through the domain, not under test). */
    async function account(username: string): Promise<{ id: string; secret: string }> {
      const user = await addUser(server, username, PRIMARY);
      const created = await createAppPassword(
        server.server.services,
        user.id,
        { name: 'Mon WebDAV' },
        { userId: user.id, name: username, ip: '127.0.0.1', client: 'test' },
        'cli',
      );
      return { id: user.id, secret: created.secret };
    }

    function me(username: string, secret: string, from: string): Promise<HttpReply> {
      return request(server.url, '/api/v1/me', { headers: basic(username, secret), from });
    }

    async function fail(username: string, from: string, times = 1): Promise<void> {
      for (let i = 0; i < times; i++) {
        const reply = await me(username, WRONG, from);
        assert.equal(
          reply.status,
          401,
          `failure ${i + 1} from ${from} for ${username} should be a plain 401, got ${reply.status} ${reply.text}`,
        );
        assert.equal(reply.json.error.code, 'UNAUTHENTICATED');
      }
    }

    /** Fails until the address is throttled, whatever the exact threshold (pinned by the first test). */
    async function failUntilThrottled(username: string, from: string): Promise<number> {
      let reply = await me(username, WRONG, from);
      for (let i = 0; reply.status === 401 && i < 20; i++) reply = await me(username, WRONG, from);
      return assertThrottled(reply);
    }

    function assertThrottled(reply: HttpReply): number {
      assert.equal(reply.status, 429, reply.text);
      assert.equal(reply.json.error.code, 'THROTTLED');
      const retryAfter = reply.headers['retry-after'];
      assert.match(String(retryAfter), /^[1-9]\d*$/, 'Retry-After is a positive whole number of seconds');
      return Number(retryAfter);
    }

    async function dbState() {
      const db = server.server.services.db;
      return {
        throttle: await db.selectFrom('throttle').selectAll().orderBy('key').execute(),
        connections: await db
          .selectFrom('connections')
          .select(['username_key', 'ip', 'outcome', 'method', 'count'])
          .orderBy('id')
          .execute(),
        sessions: await db.selectFrom('sessions').select('id').orderBy('id').execute(),
      };
    }

    async function throttleFailures(key: string): Promise<number> {
      const row = await server.server.services.db
        .selectFrom('throttle')
        .select('failures')
        .where('key', '=', key)
        .executeTakeFirst();
      return Number(row?.failures ?? 0);
    }

    it(`answers 429 THROTTLED with Retry-After after ${PER_IP_USER.free} failures from one address, even with the right password, while another address still gets in`, async () => {
      const alice = await account('alice');
      await fail('alice', '127.0.0.2', PER_IP_USER.free);

      assertThrottled(await me('alice', alice.secret, '127.0.0.2'));

      const elsewhere = await me('alice', alice.secret, '127.0.0.3');
      assert.equal(elsewhere.status, 200, elsewhere.text);
      assert.equal(elsewhere.json.user.username, 'alice');

      // The owner's success elsewhere does not lift the attacking address's delay.
      assertThrottled(await me('alice', alice.secret, '127.0.0.2'));
    });

    it('gives the same 429 for the right and a wrong secret while throttled, without counting or recording anything', async () => {
      const bruno = await account('bruno');
      await failUntilThrottled('bruno', '127.0.1.2');

      const before = await dbState();
      const right = await me('bruno', bruno.secret, '127.0.1.2');
      const wrong = await me('bruno', WRONG, '127.0.1.2');
      assert.equal(assertThrottled(right), assertThrottled(wrong));
      assert.deepEqual(right.json, wrong.json);
      assert.equal(right.headers['www-authenticate'], wrong.headers['www-authenticate']);
      assert.deepEqual(await dbState(), before, 'a throttled attempt changes nothing in the database');
    });

    it('makes the delay grow with each further failure once throttling has started', async () => {
      await account('chloe');
      const first = await failUntilThrottled('chloe', '127.0.2.2');

      clock.advance(first * 1000);
      await fail('chloe', '127.0.2.2');
      const second = assertThrottled(await me('chloe', WRONG, '127.0.2.2'));
      assert.ok(second > first, `second delay ${second}s should exceed the first ${first}s`);

      clock.advance(second * 1000);
      await fail('chloe', '127.0.2.2');
      const third = assertThrottled(await me('chloe', WRONG, '127.0.2.2'));
      assert.ok(third > second, `third delay ${third}s should exceed the second ${second}s`);
    });

    it('starts the count again after a quiet throttle window', async () => {
      const david = await account('david');
      await failUntilThrottled('david', '127.0.3.2');

      clock.advance(PER_IP_USER.windowMs + 1000);
      // Had the old failures still counted, these would keep the address throttled.
      await fail('david', '127.0.3.2', PER_IP_USER.free - 1);
      assert.equal(await throttleFailures('ip-user:127.0.3.2:david'), PER_IP_USER.free - 1);
      const reply = await me('david', david.secret, '127.0.3.2');
      assert.equal(reply.status, 200, reply.text);
    });

    it("clears an address's counter when the user succeeds from it", async () => {
      const emma = await account('emma');
      await fail('emma', '127.0.4.2', PER_IP_USER.free - 1);
      assert.equal((await me('emma', emma.secret, '127.0.4.2')).status, 200);
      assert.equal(await throttleFailures('ip-user:127.0.4.2:emma'), 0);

      // Without the reset these failures would add up past the free ones.
      await fail('emma', '127.0.4.2', PER_IP_USER.free - 1);
      const reply = await me('emma', emma.secret, '127.0.4.2');
      assert.equal(reply.status, 200, reply.text);
    });

    it(`throttles an address after ${PER_IP.free} failures spread over as many user names, for every name, but not the owner elsewhere`, async () => {
      const fanny = await account('fanny');
      for (let i = 0; i < PER_IP.free; i++) await fail(`ghost-${i}`, '127.0.5.2');

      assertThrottled(await me('ghost-new', WRONG, '127.0.5.2'));
      assertThrottled(await me('fanny', fanny.secret, '127.0.5.2'));
      const elsewhere = await me('fanny', fanny.secret, '127.0.5.3');
      assert.equal(elsewhere.status, 200, elsewhere.text);
    });

    it(`after ${ACCOUNT_FAILURE_LIMIT} consecutive failures on an account, refuses it unchecked from addresses where it never succeeded, but not from a known one`, async () => {
      const nora = await account('nora');
      const known = await me('nora', nora.secret, '127.0.0.1');
      assert.equal(known.status, 200, known.text);

      // 99 failures from 25 addresses, 4 each at most: no per-address rule is ever hit.
      const addresses = Array.from({ length: 25 }, (_, i) => `127.0.6.${10 + i}`);
      let failures = 0;
      for (const address of addresses) {
        const times = Math.min(4, ACCOUNT_FAILURE_LIMIT - 1 - failures);
        await fail('nora', address, times);
        failures += times;
      }
      assert.equal(failures, ACCOUNT_FAILURE_LIMIT - 1);
      // The 100th failure is still checked (and counted).
      await fail('nora', '127.0.6.98');
      assert.equal(await throttleFailures('account:nora'), ACCOUNT_FAILURE_LIMIT);

      const before = await dbState();
      const right = await me('nora', nora.secret, '127.0.6.99');
      assert.equal(assertThrottled(right), ACCOUNT_LOCK_RETRY_AFTER_S);
      const wrong = await me('nora', WRONG, '127.0.6.99');
      assert.equal(assertThrottled(wrong), ACCOUNT_LOCK_RETRY_AFTER_S);
      assertThrottled(await me('nora', nora.secret, '127.0.6.98'));
      assert.deepEqual(await dbState(), before, 'the refused attempts were neither checked nor recorded');
      const successes = await server.server.services.db
        .selectFrom('connections')
        .select('id')
        .where('username_key', '=', 'nora')
        .where('ip', 'in', ['127.0.6.98', '127.0.6.99'])
        .where('outcome', '=', 'success')
        .execute();
      assert.deepEqual(successes, []);

      const fromKnown = await me('nora', nora.secret, '127.0.0.1');
      assert.equal(fromKnown.status, 200, fromKnown.text);
      assert.equal(fromKnown.json.user.username, 'nora');
    });

    it('keeps the account cap when the owner keeps succeeding with an app password: only the primary password clears it', async () => {
      const petra = await account('petra');
      const addresses = Array.from({ length: 25 }, (_, i) => `127.0.7.${10 + i}`);
      let failures = 0;
      for (const address of addresses) {
        const times = Math.min(4, ACCOUNT_FAILURE_LIMIT - failures);
        await fail('petra', address, times);
        failures += times;
        // The owner's sync client succeeds every 4 guesses from its own address.
        const sync = await me('petra', petra.secret, '127.0.0.1');
        assert.equal(sync.status, 200, sync.text);
      }
      assert.equal(await throttleFailures('account:petra'), ACCOUNT_FAILURE_LIMIT);
      assertThrottled(await me('petra', WRONG, '127.0.7.99'));

      await signIn(server.url, 'petra', PRIMARY);
      assert.equal(await throttleFailures('account:petra'), 0, 'a right primary password clears the account count');
    });

    it("shows failed attempts in the named user's recent connections with outcome 'failure'", async () => {
      await account('olga');
      await fail('olga', '127.0.7.2', 2);
      const session = await signIn(server.url, 'olga', PRIMARY);
      const reply = await session.call('/api/v1/connections');
      assert.equal(reply.status, 200, reply.text);
      const failures = (reply.json.connections as Array<Record<string, unknown>>).filter((c) => c.outcome === 'failure');
      assert.equal(failures.length, 1, JSON.stringify(reply.json.connections));
      assert.equal(failures[0]!.ip, '127.0.7.2');
      assert.equal(failures[0]!.method, 'app-password');
      assert.equal(failures[0]!.count, 2);
      assert.equal(failures[0]!.appPassword, null);
    });

    it('throttles the web sign-in (POST /api/v1/session) the same way', async () => {
      await account('paul');
      for (let i = 0; i < PER_IP_USER.free; i++) {
        const reply = await request(server.url, '/api/v1/session', {
          method: 'POST',
          body: { username: 'paul', password: 'not the password' },
          from: '127.0.8.2',
        });
        assert.equal(reply.status, 401, reply.text);
        assert.equal(reply.json.error.code, 'INVALID_CREDENTIALS');
      }
      const before = await dbState();
      const throttled = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'paul', password: PRIMARY },
        from: '127.0.8.2',
      });
      assertThrottled(throttled);
      assert.equal(throttled.headers['set-cookie'], undefined);
      assert.deepEqual(await dbState(), before, 'no session was created and nothing was counted');

      const elsewhere = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'paul', password: PRIMARY },
        from: '127.0.8.3',
      });
      assert.equal(elsewhere.status, 200, elsewhere.text);
      assert.equal(elsewhere.json.user.username, 'paul');
    });
  });
}
