/**
 * The OpenAPI 3.1 document at /api/v1/openapi.json is generated from the
 * routes' own schemas: it lists every JSON API route the server has, with
 * its methods, and the schemas the routes validate with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Every route of the server as "METHOD /path" (HEAD left out), read from Fastify's own route tree. */
function registeredRoutes(server: TestServer): string[] {
  const parents: string[] = [];
  const routes: string[] = [];
  for (const line of server.server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path =
      `${depth === 0 ? '' : parents[depth - 1]}${depth === 1 && !match[2]!.startsWith('/') ? '/' : ''}${match[2]}`.replace(
        /^\/\//,
        '/',
      );
    parents[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('OpenAPI document', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dialect: 'sqlite' });
  });
  after(() => server.close());

  it('is an OpenAPI 3.1 document served without authentication', async () => {
    const reply = await request(server.url, '/api/v1/openapi.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.json.openapi, '3.1.0');
    assert.equal(reply.json.info.title, 'Sésame JSON API');
  });

  it('lists every route of the JSON API with its methods', async () => {
    const { json } = await request(server.url, '/api/v1/openapi.json');
    const documented = Object.entries(json.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const apiRoutes = registeredRoutes(server)
      .filter((route) => route.split(' ')[1]!.startsWith('/api/v1/'))
      .map((route) => route.replace(/:([A-Za-z]+)/g, '{$1}'))
      .sort();
    assert.ok(apiRoutes.length >= 20, `found only ${apiRoutes.length} routes: ${apiRoutes.join(', ')}`);
    assert.deepEqual(documented, apiRoutes);
  });

  it('describes the routes with the schemas they validate with', async () => {
    const { json } = await request(server.url, '/api/v1/openapi.json');
    const create = json.paths['/api/v1/app-passwords'].post;
    const body = create.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(body.properties).sort(), ['application', 'expiresInDays', 'name']);
    assert.equal(body.additionalProperties, false);
    const created = create.responses['201'].content['application/json'].schema;
    assert.ok(created.properties.password, 'the creation reply documents the one-time secret');
    const list = json.paths['/api/v1/app-passwords'].get.responses['200'].content['application/json'].schema;
    assert.ok(!('password' in list.properties.appPasswords.items.properties), 'a listed password has no secret');
  });
});
