/**
 * Input validation at the edge, over real HTTP on SQLite and PostgreSQL:
 * - control characters (NUL included) in any text that reaches the
 *   database are refused by the schema with the same 400 on both databases:
 *   a sign-in name, every `:id` of every route, every text field of every
 *   body; malformed sign-ins still count against their address;
 * - JSON types are never coerced in bodies: a wrong type on any field of
 *   any route's body is a 400 that changes nothing (the table is derived
 *   from the schemas themselves, so a new field is covered when it is
 *   added); query strings still parse numbers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import * as schemas from '../../src/api/schemas.js';
import { PER_IP } from '../../src/throttle/throttle.js';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { request, type HttpReply, type Session } from '../helpers/http.js';
import {
  ALL_TABLES,
  PASSWORD,
  STATE_TABLES,
  addAdmin,
  assertError,
  assertUnchanged,
  createPassword,
  freshIp,
} from './support.js';

type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** The JSON types a property schema accepts (TypeBox: type, const, or a union of them). */
function acceptedTypes(schema: TSchema): Set<JsonType> {
  if (Array.isArray(schema.anyOf)) return new Set((schema.anyOf as TSchema[]).flatMap((s) => [...acceptedTypes(s)]));
  if (schema.const !== undefined) return new Set([jsonTypeOf(schema.const)]);
  return new Set([schema.type === 'integer' ? 'number' : (schema.type as JsonType)]);
}

/** Values of every JSON type, as an attacker or a careless client would send them. */
const CANDIDATES: unknown[] = [12345, 1.5, true, 'true', '1', null, ['admin'], { value: 1 }];

function wrongValuesFor(schema: TSchema): unknown[] {
  const accepted = acceptedTypes(schema);
  return CANDIDATES.filter((value) => !accepted.has(jsonTypeOf(value)));
}

interface BodyRoute {
  method: string;
  path: string;
  schema: TSchema;
  /** A body the route accepts, to which one wrong field is added. */
  valid: Record<string, unknown>;
  /** The request goes without a session (sign-in). */
  anonymous?: boolean;
}

for (const dialect of DIALECTS) {
  describe(`input validation at the edge (${dialect})`, () => {
    let server: TestServer;
    let admin: Session;
    let appPasswordId: string;
    let routes: BodyRoute[];

    before(async () => {
      server = await startServer({ dialect, clock: new ManualClock() });
      admin = await addAdmin(server, 'root');
      const alice = await addUser(server, 'alice');
      appPasswordId = (await createPassword(admin, { name: 'Drive' })).id;
      routes = [
        {
          method: 'POST',
          path: '/api/v1/session',
          schema: schemas.SignInBody,
          valid: { username: 'alice', password: PASSWORD },
          anonymous: true,
        },
        {
          method: 'PUT',
          path: '/api/v1/me/password',
          schema: schemas.ChangePasswordBody,
          valid: { currentPassword: PASSWORD, newPassword: 'another long password' },
        },
        { method: 'POST', path: '/api/v1/app-passwords', schema: schemas.CreateAppPasswordBody, valid: { name: 'Sync' } },
        {
          method: 'PATCH',
          path: `/api/v1/app-passwords/${appPasswordId}`,
          schema: schemas.UpdateAppPasswordBody,
          valid: { name: 'Renamed' },
        },
        {
          method: 'POST',
          path: '/api/v1/admin/users',
          schema: schemas.CreateUserBody,
          valid: { username: 'newcomer', password: PASSWORD },
        },
        { method: 'PUT', path: '/api/v1/admin/policy', schema: schemas.PolicyBody, valid: {} },
        {
          method: 'PUT',
          path: `/api/v1/admin/users/${alice.id}/sso-identity`,
          schema: schemas.SsoIdentityBody,
          valid: { subject: 'sub-alice' },
        },
        ...['POST /api/v1/me/totp/confirm', 'POST /api/v1/me/recovery-codes', 'DELETE /api/v1/me/totp'].map((route) => {
          const [method, path] = route.split(' ') as [string, string];
          return { method, path, schema: schemas.SecondFactorCodeBody, valid: { code: '123456' } };
        }),
      ];
    });
    after(async () => {
      await server?.close();
    });

    function send(route: BodyRoute, body: unknown): Promise<HttpReply> {
      return route.anonymous
        ? request(server.url, route.path, { method: route.method, body, from: freshIp() })
        : admin.call(route.path, { method: route.method, body });
    }

    it('covers the body schema of every route', () => {
      const bodySchemas = Object.entries(schemas).filter(([name]) => name.endsWith('Body'));
      assert.deepEqual(
        bodySchemas
          .map(([name]) => name)
          .filter((name) => !routes.some((r) => r.schema === (schemas as Record<string, unknown>)[name])),
        [],
      );
    });

    it('refuses a wrong JSON type on every field of every body with VALIDATION_FAILED and changes nothing', async () => {
      for (const route of routes) {
        for (const [field, schema] of Object.entries(route.schema.properties as Record<string, TSchema>)) {
          for (const wrong of wrongValuesFor(schema)) {
            const body = { ...route.valid, [field]: wrong };
            const reply = await assertUnchanged(server, () => send(route, body), STATE_TABLES);
            assertError(reply, 400, 'VALIDATION_FAILED');
            assert.ok(
              reply.json.error.message.includes(field),
              `${route.method} ${route.path} ${JSON.stringify(body)}: ${reply.text}`,
            );
          }
        }
      }
    });

    it('does not sign in with arrays for the name and the password', async () => {
      const reply = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: ['alice'], password: [PASSWORD] },
        from: freshIp(),
      });
      assertError(reply, 400, 'VALIDATION_FAILED');
      assert.equal(reply.headers['set-cookie'], undefined);
    });

    it('refuses a control character in every text field of every body with VALIDATION_FAILED', async () => {
      for (const route of routes) {
        for (const [field, schema] of Object.entries(route.schema.properties as Record<string, TSchema>)) {
          const texts = [schema, ...((schema.anyOf as TSchema[] | undefined) ?? [])].filter((s) => typeof s.pattern === 'string');
          if (texts.length === 0) continue;
          for (const text of ['ali\u0000ce', 'ali\u0007ce', 'ali\u009fce']) {
            const reply = await assertUnchanged(server, () => send(route, { ...route.valid, [field]: text }), STATE_TABLES);
            assertError(reply, 400, 'VALIDATION_FAILED');
            assert.match(reply.json.error.message, new RegExp(`body/${field} must not contain control characters`));
          }
        }
      }
    });

    it('refuses NUL in a sign-in name with the same 400 on both databases', async () => {
      const reply = await assertUnchanged(
        server,
        () =>
          request(server.url, '/api/v1/session', {
            method: 'POST',
            body: { username: 'ali\u0000ce', password: PASSWORD },
            from: freshIp(),
          }),
        STATE_TABLES,
      );
      assertError(reply, 400, 'VALIDATION_FAILED');
    });

    it('counts malformed sign-ins against their address: past the allowance the address is throttled', async () => {
      const from = freshIp();
      const malformed = { username: 'ali\u0000ce', password: PASSWORD };
      for (let i = 0; i < PER_IP.free; i++) {
        const reply = await request(server.url, '/api/v1/session', { method: 'POST', body: malformed, from });
        assertError(reply, 400, 'VALIDATION_FAILED');
      }
      const next = await request(server.url, '/api/v1/session', { method: 'POST', body: malformed, from });
      assertError(next, 429, 'THROTTLED');
      const wellFormed = await request(server.url, '/api/v1/session', {
        method: 'POST',
        body: { username: 'alice', password: PASSWORD },
        from,
      });
      assertError(wellFormed, 429, 'THROTTLED');
    });

    it('refuses %00 as the id of every :id route with the same 400 on both databases', async () => {
      const idRoutes: [string, string][] = [
        ['PATCH', '/api/v1/app-passwords/%00'],
        ['DELETE', '/api/v1/app-passwords/%00'],
        ['POST', '/api/v1/admin/users/%00/disable'],
        ['POST', '/api/v1/admin/users/%00/enable'],
        ['GET', '/api/v1/admin/users/%00/app-passwords'],
        ['PUT', '/api/v1/admin/users/%00/sso-identity'],
        ['DELETE', '/api/v1/admin/app-passwords/%00'],
        ['GET', '/api/v1/forward-auth/%00'],
        ['PATCH', '/api/v1/app-passwords/a%00b'],
        ['DELETE', '/api/v1/app-passwords/%07'],
      ];
      for (const [method, path] of idRoutes) {
        const reply = await assertUnchanged(
          server,
          () =>
            admin.call(path, {
              method,
              ...(method === 'PATCH' ? { body: { name: 'x' } } : method === 'PUT' ? { body: { subject: 'x' } } : {}),
            }),
          ALL_TABLES,
        );
        assertError(reply, 400, 'VALIDATION_FAILED');
        assert.match(reply.json.error.message, /must not contain control characters/, `${method} ${path}`);
      }
    });

    it('still reads numbers from a query string', async () => {
      const reply = await admin.call('/api/v1/admin/audit?limit=1');
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.entries.length, 1);
    });
  });
}
