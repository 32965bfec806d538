/**
 * Small shared helpers of the JSON API suites: distinct client addresses,
 * database snapshots to prove that a refused request changed nothing, and
 * short-hands for admins and app passwords. Set-up only; nothing here is
 * under test.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestServer } from '../helpers/server.js';
import { addUser } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type HttpRequest, type Session } from '../helpers/http.js';
import { createSession } from '../../src/accounts/sessions.js';
import { findUserById } from '../../src/repositories/users.js';
import { sessionCookieName } from '../../src/auth/http-auth.js';
import type { Role } from '../../src/db/schema.js';

export const PASSWORD = 'correct horse battery';
export const BASIC_CHALLENGE = 'Basic realm="Sesame", charset="UTF-8"';
export const EXPIRES_AT_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

let ipCounter = 0;
/**
 * A loopback address no earlier call returned (127.x.y.z with x ≥ 1, all
 * routed to lo on Linux), so that each client starts with clean throttling
 * counters.
 */
export function freshIp(): string {
  const n = ipCounter++;
  return `127.${1 + Math.floor(n / 62_500)}.${Math.floor(n / 250) % 250}.${1 + (n % 250)}`;
}

type Table =
  | 'users'
  | 'app_passwords'
  | 'sessions'
  | 'connections'
  | 'throttle'
  | 'audit_log'
  | 'policy'
  | 'meta'
  | 'oidc_accounts'
  | 'recovery_codes';

/** Tables a refused request must leave alone (failed Basic auth legitimately writes connections and throttle). */
export const STATE_TABLES: Table[] = ['users', 'app_passwords', 'sessions', 'audit_log', 'policy'];
export const ALL_TABLES: Table[] = [
  'users',
  'app_passwords',
  'sessions',
  'connections',
  'throttle',
  'audit_log',
  'policy',
  'meta',
];

/** Every row of the given tables, in a stable order, as one comparable value. */
export async function snapshot(server: TestServer, tables: Table[] = STATE_TABLES): Promise<Record<string, unknown[]>> {
  const db = server.server.services.db;
  const result: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = (await db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    result[table] = rows
      .map((row) =>
        JSON.stringify(
          Object.keys(row)
            .sort()
            .map((k) => [k, row[k]]),
        ),
      )
      .sort();
  }
  return result;
}

export async function countRows(server: TestServer, table: Table): Promise<number> {
  const { n } = await server.server.services.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Column names of each table, read once per database. */
const columnsByDb = new WeakMap<object, Map<Table, string[]>>();

async function sqliteColumns(server: TestServer, table: Table): Promise<string[]> {
  const db = server.server.services.db;
  let byTable = columnsByDb.get(db);
  if (!byTable) columnsByDb.set(db, (byTable = new Map()));
  let columns = byTable.get(table);
  if (!columns) {
    const rows = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
    columns = rows.rows.map((row) => row.name);
    byTable.set(table, columns);
  }
  return columns;
}

/**
 * Every row of the given tables, each table as one text (one line per row,
 * every column, lines sorted), made by the database in one statement: as
 * exact as `snapshot`, at a fraction of its cost (one round trip, no row
 * decoded), which is what assertUnchanged compares.
 */
export async function tableContents(server: TestServer, tables: Table[] = STATE_TABLES): Promise<Record<string, string>> {
  const db = server.server.services.db;
  const contents: ReturnType<typeof sql>[] = [];
  for (const table of tables) {
    const name = sql.id(table);
    if (server.databaseUrl === undefined) {
      const columns = await sqliteColumns(server, table);
      const row = sql.join(
        columns.map((column) => sql`quote(${sql.id(column)})`),
        sql` || ',' || `,
      );
      contents.push(
        sql`(select coalesce(group_concat(r, char(10) order by r), '') from (select ${row} as r from ${name})) as ${name}`,
      );
    } else {
      contents.push(sql`(select coalesce(string_agg(t::text, chr(10) order by t::text), '') from ${name} t) as ${name}`);
    }
  }
  const result = await sql<Record<string, string>>`select ${sql.join(contents)}`.execute(db);
  return result.rows[0]!;
}

/** Runs `action` and asserts that the given tables hold exactly the same rows afterwards. */
export async function assertUnchanged<T>(
  server: TestServer,
  action: () => Promise<T>,
  tables: Table[] = STATE_TABLES,
): Promise<T> {
  const before = await tableContents(server, tables);
  const result = await action();
  assert.deepEqual(await tableContents(server, tables), before, 'the database changed');
  return result;
}

export function assertError(reply: HttpReply, status: number, code: string): void {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status} ${reply.text}`);
  assert.equal(reply.json?.error?.code, code, reply.text);
  assert.equal(typeof reply.json.error.message, 'string');
  assert.ok(reply.json.error.message.length > 0);
}

/**
 * A header value as the UTF-8 octets the server sent (node:http hands header
 * values over decoded as Latin-1).
 */
export function headerUtf8(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name];
  return typeof value === 'string' ? Buffer.from(value, 'latin1').toString('utf8') : undefined;
}

/** The uniform Basic-auth refusal. */
export function assertUniform401(reply: HttpReply, reference?: HttpReply): void {
  assert.equal(reply.status, 401, reply.text);
  assert.equal(headerUtf8(reply, 'www-authenticate'), BASIC_CHALLENGE);
  assert.equal(reply.json?.error?.code, 'UNAUTHENTICATED', reply.text);
  assert.equal(reply.headers['set-cookie'], undefined);
  if (reference) {
    assert.equal(reply.text, reference.text);
    assert.equal(reply.headers['content-type'], reference.headers['content-type']);
    assert.equal(reply.headers['www-authenticate'], reference.headers['www-authenticate']);
  }
}

export async function addAdmin(server: TestServer, name: string): Promise<Session> {
  return (await userWithSession(server, name, 'admin')).session;
}

/**
 * Set-up for tests that are not about signing in: a local account with the
 * password PASSWORD, created through the domain, and a web session opened
 * through the domain (no sign-in request). Sign-in itself is tested through
 * POST /session.
 */
export async function userWithSession(
  server: TestServer,
  name: string,
  role: Role = 'user',
): Promise<{ session: Session; id: string }> {
  const user = await addUser(server, name, PASSWORD, role);
  return { session: await openSession(server, user.id), id: user.id };
}

/** A web session of an existing user, opened through the domain (no sign-in request). */
export async function openSession(server: TestServer, userId: string): Promise<Session> {
  const services = server.server.services;
  const user = await findUserById(services.db, userId);
  const opened = await createSession(services, {
    userId,
    verifiedPasswordHash: user?.passwordHash ?? null,
    method: 'password',
    ip: '127.0.0.1',
    client: 'test',
  });
  assert.ok(opened, 'the session was opened');
  const { token } = opened;
  const cookie = `${sessionCookieName(services)}=${token}`;
  const csrf = services.key.csrfToken(token);
  return {
    cookie,
    csrf,
    call(path: string, options: HttpRequest = {}) {
      const method = options.method ?? 'GET';
      const headers: Record<string, string> = { cookie, ...options.headers };
      if (!['GET', 'HEAD'].includes(method) && !('x-csrf-token' in headers)) headers['x-csrf-token'] = csrf;
      return request(server.url, path, { ...options, headers });
    },
  };
}

/** A user created through the domain and signed in with a real POST /session. */
export async function signedInUser(
  server: TestServer,
  name: string,
  password = PASSWORD,
): Promise<{ session: Session; id: string }> {
  const user = await addUser(server, name, password);
  return { session: await signIn(server.url, name, password), id: user.id };
}

export interface CreatedPassword {
  id: string;
  secret: string;
}

export async function createPassword(session: Session, body: Record<string, unknown>): Promise<CreatedPassword> {
  const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body });
  assert.equal(reply.status, 201, reply.text);
  return { id: reply.json.appPassword.id, secret: reply.json.password };
}

/** A Basic-auth request on the forward-auth surface of an application. */
export function forwardAuth(
  server: TestServer,
  application: string,
  username: string,
  secret: string,
  from?: string,
): Promise<HttpReply> {
  return request(server.url, `/api/v1/forward-auth/${application}`, {
    headers: basic(username, secret),
    ...(from ? { from } : {}),
  });
}

/** POST /session from the given address. */
export function postSession(server: TestServer, body: Record<string, unknown>, from: string): Promise<HttpReply> {
  return request(server.url, '/api/v1/session', { method: 'POST', body, from });
}

/** PUT /admin/policy as the given administrator, which must succeed. */
export async function updatePolicyAs(admin: Session, body: Record<string, unknown>): Promise<void> {
  const reply = await admin.call('/api/v1/admin/policy', { method: 'PUT', body });
  assert.equal(reply.status, 200, reply.text);
}
