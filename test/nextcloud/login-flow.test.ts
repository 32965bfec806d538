/**
 * Login Flow v2 over real HTTP, on SQLite and PostgreSQL, as the clients
 * drive it: the desktop client (empty start, form poll) and the NC
 * Connector (JSON start and poll), approved or refused through the web
 * interface's routes by a signed-in user; the password handed over once,
 * then 404; twenty minutes of life (a password approved but never
 * collected goes with its flow); polls and starts throttled per address;
 * tokens kept as keyed hashes only and never logged. The browser side is
 * tested in test/web-interface/login-flow.test.ts.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { updatePolicy } from '../../src/policy/policy.js';
import { LIVE_FLOWS_PER_ADDRESS, LOGIN_FLOW_LIFETIME_MS, sweepExpiredLoginFlows } from '../../src/nextcloud/login-flow.js';
import { LOGIN_FLOW_POLL } from '../../src/nextcloud/login-flow-throttle.js';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { rawRequest, type DavAccount, type DavReply } from '../helpers/dav.js';
import { freshIp, openSession, PASSWORD } from '../api/support.js';
import type { Session } from '../helpers/http.js';
import { DESKTOP_LOGIN_FLOW_AGENT, NC_CONNECTOR_OUTLOOK_AGENT, json, ocs } from './support.js';

const PUBLIC_URL = 'https://cloud.example.test/sesame';
const ADMIN_ACTOR = { userId: null, name: 'test', ip: '', client: '' };

interface Started {
  pollToken: string;
  loginToken: string;
  endpoint: string;
  login: string;
}

for (const dialect of DIALECTS) {
  describe(`Login Flow v2, on ${dialect}`, () => {
    let server: TestServer;
    const clock = new ManualClock();
    const log: string[] = [];
    let alice: { id: string; session: Session };
    const secrets: string[] = [];

    before(async () => {
      const logStream = new PassThrough();
      logStream.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
      server = await startServer({ dialect, clock, logStream, env: { PUBLIC_URL } });
      const user = await addUser(server, 'alice');
      alice = { id: user.id, session: await openSession(server, user.id) };
    });
    after(() => server.close());

    /** The desktop client's start: no body, Content-Length 0, the type Qt adds. */
    async function startAsDesktop(from = freshIp(), agent = DESKTOP_LOGIN_FLOW_AGENT): Promise<Started> {
      const reply = await rawRequest(server, null, 'POST', '/index.php/login/v2', {
        headers: { 'user-agent': agent, 'content-length': '0', 'content-type': 'application/x-www-form-urlencoded' },
        from,
      });
      assert.equal(reply.status, 200, reply.text);
      return startedOf(reply);
    }

    function startedOf(reply: DavReply): Started {
      const body = json(reply);
      const login = body.login as string;
      const started = {
        pollToken: body.poll.token,
        endpoint: body.poll.endpoint,
        login,
        loginToken: login.slice(login.indexOf('#') + 1),
      };
      secrets.push(started.pollToken, started.loginToken);
      return started;
    }

    function pollForm(token: string, from?: string): Promise<DavReply> {
      return rawRequest(server, null, 'POST', '/index.php/login/v2/poll', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DESKTOP_LOGIN_FLOW_AGENT },
        body: `token=${encodeURIComponent(token)}`,
        ...(from ? { from } : {}),
      });
    }

    function pollJson(token: string, from?: string): Promise<DavReply> {
      return rawRequest(server, null, 'POST', '/index.php/login/v2/poll', {
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'ocs-apirequest': 'true',
          'user-agent': NC_CONNECTOR_OUTLOOK_AGENT,
        },
        body: JSON.stringify({ token, deviceName: 'NC Connector for Outlook' }),
        ...(from ? { from } : {}),
      });
    }

    function browser(action: 'lookup' | 'approve' | 'refuse', token: string, session = alice.session) {
      return session.call(`/api/v1/login-flows/${action}`, { method: 'POST', body: { token } });
    }

    async function approve(token: string): Promise<{ id: string; name: string; application: string }> {
      const reply = await browser('approve', token);
      assert.equal(reply.status, 200, reply.text);
      return reply.json.appPassword;
    }

    async function collected(reply: DavReply): Promise<DavAccount> {
      assert.equal(reply.status, 200, reply.text);
      const body = json(reply);
      assert.deepEqual(Object.keys(body).sort(), ['appPassword', 'loginName', 'server']);
      assert.equal(body.server, PUBLIC_URL);
      assert.equal(body.loginName, 'alice');
      secrets.push(body.appPassword);
      return { userId: alice.id, username: body.loginName, password: body.appPassword };
    }

    async function appPasswordNames(): Promise<Record<string, string | null>> {
      const list = await alice.session.call('/api/v1/app-passwords');
      return Object.fromEntries(
        (list.json.appPasswords as { name: string; application: string | null }[]).map((p) => [p.name, p.application]),
      );
    }

    it('serves the desktop client: absolute URLs from PUBLIC_URL, 404 until approved, the password once, then 404', async () => {
      const from = freshIp();
      const flow = await startAsDesktop(from);
      assert.equal(flow.endpoint, `${PUBLIC_URL}/index.php/login/v2/poll`);
      assert.ok(flow.login.startsWith(`${PUBLIC_URL}/login-flow#`), flow.login);
      assert.match(flow.pollToken, /^[A-Za-z0-9_-]{43}$/);
      assert.match(flow.loginToken, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(flow.pollToken, flow.loginToken);

      for (let poll = 0; poll < 3; poll++) {
        const pending = await pollForm(flow.pollToken, from);
        assert.equal(pending.status, 404);
        assert.equal(pending.text, '[]');
      }
      const shown = await browser('lookup', flow.loginToken);
      assert.equal(shown.status, 200, shown.text);
      assert.deepEqual(shown.json, {
        clientName: DESKTOP_LOGIN_FLOW_AGENT,
        application: 'sync',
        startedFrom: from,
        startedAt: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        expiresAt: new Date(clock.now() + LOGIN_FLOW_LIFETIME_MS).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
      });
      const created = await approve(flow.loginToken);
      assert.deepEqual([created.name, created.application], [DESKTOP_LOGIN_FLOW_AGENT, 'sync']);

      // Polling a flow under way never counted against the address.
      const counters = await server.server.services.db.selectFrom('throttle').select('key').execute();
      assert.deepEqual(
        counters.filter((row) => row.key.startsWith('login-flow-poll:')),
        [],
      );
      const answer = await pollForm(flow.pollToken, from);
      assert.equal(answer.headers['cache-control'], 'no-store');
      const account = await collected(answer);
      assert.equal((await pollForm(flow.pollToken, from)).status, 404);

      // The password works where the sync client goes next, and appears like any other.
      const user = await ocs(server, account, '/ocs/v1.php/cloud/user?format=json');
      assert.equal(json(user).ocs.data.id, 'alice');
      assert.equal((await appPasswordNames())[DESKTOP_LOGIN_FLOW_AGENT], 'sync');
    });

    it('serves the NC Connector: JSON start and poll; a mail connector gets an outlook password', async () => {
      const start = await rawRequest(server, null, 'POST', '/index.php/login/v2', {
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'ocs-apirequest': 'true',
          'user-agent': NC_CONNECTOR_OUTLOOK_AGENT,
        },
        body: JSON.stringify({ name: 'NC Connector for Outlook' }),
      });
      assert.equal(start.status, 200, start.text);
      const flow = startedOf(start);
      assert.equal((await pollJson(flow.pollToken)).status, 404);
      const created = await approve(flow.loginToken);
      assert.deepEqual([created.name, created.application], [NC_CONNECTOR_OUTLOOK_AGENT, 'outlook']);
      const account = await collected(await pollJson(flow.pollToken));
      assert.equal((await pollJson(flow.pollToken)).status, 404);
      const headers = { accept: 'application/json' };
      assert.equal((await ocs(server, account, '/ocs/v2.php/cloud/capabilities?format=json', { headers })).status, 200);
      assert.equal(json(await ocs(server, account, '/ocs/v2.php/cloud/user?format=json', { headers })).ocs.data.id, 'alice');
      // An outlook password is no WebDAV drive's.
      assert.equal((await rawRequest(server, account, 'PROPFIND', '/dav/', { headers: { depth: '0' } })).status, 401);
    });

    it('numbers the name of a second client of the same name', async () => {
      const agent = 'desk (Desktop Client - Windows)';
      const first = await startAsDesktop(freshIp(), agent);
      const second = await startAsDesktop(freshIp(), agent);
      assert.equal((await approve(first.loginToken)).name, agent);
      assert.equal((await approve(second.loginToken)).name, `${agent} (2)`);
      await collected(await pollForm(first.pollToken));
      await collected(await pollForm(second.pollToken));
    });

    it('refused in the browser: nothing is created, the client hears 404, the browser is told plainly', async () => {
      const flow = await startAsDesktop();
      const before = await appPasswordNames();
      const refused = await alice.session.call('/api/v1/login-flows/refuse', {
        method: 'POST',
        body: { token: flow.loginToken },
      });
      assert.equal(refused.status, 204, refused.text);
      assert.equal((await pollForm(flow.pollToken)).status, 404);
      for (const action of ['lookup', 'approve', 'refuse'] as const) {
        const again = await browser(action, flow.loginToken);
        assert.equal(again.status, 404, action);
        assert.equal(again.json.error.code, 'LOGIN_FLOW_NOT_FOUND');
      }
      assert.deepEqual(await appPasswordNames(), before);
      const audit = await server.server.services.db
        .selectFrom('audit_log')
        .select(['actor', 'target'])
        .where('action', '=', 'login-flow.refused')
        .execute();
      assert.deepEqual(audit, [{ actor: 'alice', target: DESKTOP_LOGIN_FLOW_AGENT }]);
    });

    it('lives twenty minutes from its start', async () => {
      const late = await startAsDesktop();
      clock.advance(LOGIN_FLOW_LIFETIME_MS - 1_000);
      assert.equal((await browser('lookup', late.loginToken)).status, 200);
      clock.advance(1_000);
      for (const action of ['lookup', 'approve', 'refuse'] as const) {
        assert.equal((await browser(action, late.loginToken)).json.error.code, 'LOGIN_FLOW_NOT_FOUND', action);
      }
      assert.equal((await pollForm(late.pollToken)).status, 404);
    });

    it('takes an approved password nobody collected with its flow, at the poll or when swept', async () => {
      const polledLate = await startAsDesktop(freshIp(), 'late poller (Desktop Client - Linux)');
      const neverPolled = await startAsDesktop(freshIp(), 'gone away (Desktop Client - Linux)');
      await approve(polledLate.loginToken);
      await approve(neverPolled.loginToken);
      assert.ok('late poller (Desktop Client - Linux)' in (await appPasswordNames()));
      clock.advance(LOGIN_FLOW_LIFETIME_MS);
      assert.equal((await pollForm(polledLate.pollToken)).status, 404);
      await sweepExpiredLoginFlows(server.server.services);
      const names = await appPasswordNames();
      assert.ok(!('late poller (Desktop Client - Linux)' in names));
      assert.ok(!('gone away (Desktop Client - Linux)' in names));
      const expired = await server.server.services.db
        .selectFrom('audit_log')
        .select('actor')
        .where('action', '=', 'login-flow.expired')
        .execute();
      assert.deepEqual(expired, [{ actor: 'system' }, { actor: 'system' }]);
      const left = await server.server.services.db.selectFrom('login_flows').select('state').execute();
      assert.ok(left.every((row) => row.state === 'pending'));
    });

    it('hands over nothing for a password deleted between approval and poll', async () => {
      const flow = await startAsDesktop(freshIp(), 'deleted early (Desktop Client - Linux)');
      const created = await approve(flow.loginToken);
      const deleted = await alice.session.call(`/api/v1/app-passwords/${created.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 204);
      assert.equal((await pollForm(flow.pollToken)).status, 404);
    });

    it("leaves the flow pending when the store refuses the password, and says why (the user's limit)", async () => {
      const bob = await addUser(server, 'bob');
      const session = await openSession(server, bob.id);
      await updatePolicy(server.server.services, { maxActiveAppPasswords: 1 }, ADMIN_ACTOR);
      try {
        const existing = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'the only one' } });
        const flow = await startAsDesktop();
        const refused = await browser('approve', flow.loginToken, session);
        assert.equal(refused.status, 409);
        assert.equal(refused.json.error.code, 'TOO_MANY_APP_PASSWORDS');
        assert.equal((await browser('lookup', flow.loginToken, session)).status, 200);
        await session.call(`/api/v1/app-passwords/${existing.json.appPassword.id}`, { method: 'DELETE' });
        assert.equal((await browser('approve', flow.loginToken, session)).status, 200);
        const body = json(await pollForm(flow.pollToken));
        assert.equal(body.loginName, 'bob');
        secrets.push(body.appPassword);
      } finally {
        await updatePolicy(server.server.services, { maxActiveAppPasswords: 50 }, ADMIN_ACTOR);
      }
    });

    it('is answered only by a session, with its CSRF token, never over Basic', async () => {
      const flow = await startAsDesktop();
      const noCsrf = await alice.session.call('/api/v1/login-flows/approve', {
        method: 'POST',
        body: { token: flow.loginToken },
        headers: { 'x-csrf-token': 'wrong' },
      });
      assert.equal(noCsrf.status, 403);
      assert.equal(noCsrf.json.error.code, 'CSRF_TOKEN_INVALID');
      const basic = await rawRequest(
        server,
        { userId: alice.id, username: 'alice', password: PASSWORD },
        'POST',
        '/api/v1/login-flows/approve',
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: flow.loginToken }),
        },
      );
      assert.equal(basic.status, 401);
      assert.equal((await browser('lookup', flow.loginToken)).status, 200);
    });

    it('refuses a token in the URL', async () => {
      const flow = await startAsDesktop();
      const reply = await rawRequest(server, null, 'POST', `/index.php/login/v2/poll?token=${flow.pollToken}`);
      assert.equal(reply.status, 400);
      assert.equal(json(reply).error.code, 'CREDENTIALS_IN_QUERY');
    });

    it('throttles polls that name no flow under way, per address: 429 with Retry-After', async () => {
      const from = freshIp();
      const live = await startAsDesktop(from);
      // A flow under way may be polled as often as the client likes.
      for (let poll = 0; poll < LOGIN_FLOW_POLL.free + 10; poll++)
        assert.equal((await pollForm(live.pollToken, from)).status, 404);
      for (let poll = 0; poll < LOGIN_FLOW_POLL.free; poll++) {
        const reply = await pollForm(poll % 2 === 0 ? 'x'.repeat(43) : 'not a token', from);
        assert.equal(reply.status, 404, `poll ${poll}`);
      }
      const blocked = await pollForm('y'.repeat(43), from);
      assert.equal(blocked.status, 429);
      assert.equal(json(blocked).error.code, 'THROTTLED');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      // Blocked: even its own flow waits; another address is not concerned.
      assert.equal((await pollForm(live.pollToken, from)).status, 429);
      assert.equal((await pollForm(live.pollToken, freshIp())).status, 404);
      clock.advance(Number(blocked.headers['retry-after']) * 1000);
      assert.equal((await pollForm(live.pollToken, from)).status, 404);
    });

    it('bounds the flows one address has under way', async () => {
      const from = freshIp();
      const already = Number(
        (
          await server.server.services.db
            .selectFrom('login_flows')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('started_ip', '=', from)
            .executeTakeFirstOrThrow()
        ).n,
      );
      assert.equal(already, 0);
      for (let n = 0; n < LIVE_FLOWS_PER_ADDRESS; n++) await startAsDesktop(from);
      const refused = await rawRequest(server, null, 'POST', '/index.php/login/v2', { from });
      assert.equal(refused.status, 429);
      assert.equal(json(refused).error.code, 'THROTTLED');
      assert.equal(Number(refused.headers['retry-after']), LOGIN_FLOW_LIFETIME_MS / 1000);
      assert.equal((await rawRequest(server, null, 'POST', '/index.php/login/v2', { from: freshIp() })).status, 200);
      clock.advance(LOGIN_FLOW_LIFETIME_MS);
      assert.equal((await rawRequest(server, null, 'POST', '/index.php/login/v2', { from })).status, 200);
    });

    it('stores no token and no password, only keyed hashes, and logs none', async () => {
      assert.ok(secrets.length > 20);
      const db = server.server.services.db;
      const tables = ['login_flows', 'app_passwords', 'audit_log', 'throttle', 'connections'];
      const dump = (
        await Promise.all(tables.map(async (table) => JSON.stringify(await sql`select * from ${sql.table(table)}`.execute(db))))
      ).join('\n');
      const logged = log.join('');
      assert.ok(logged.includes('/index.php/login/v2/poll'), 'the log was captured');
      for (const secret of secrets) {
        assert.ok(!dump.includes(secret), 'a token or password is stored');
        assert.ok(!logged.includes(secret), 'a token or password is logged');
      }
    });
  });
}
