import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, addUser, type TestServer } from '../helpers/server.js';
import { basic, request, signIn } from '../helpers/http.js';

for (const dialect of DIALECTS) {
  describe(`app password round trip (${dialect})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ dialect });
      await addUser(server, 'alice');
    });
    after(() => server.close());

    it('creates a password that then opens GET /me over Basic auth', async () => {
      const session = await signIn(server.url, 'alice', 'correct horse battery');
      const created = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name: 'Mon WebDAV' } });
      assert.equal(created.status, 201);
      const me = await request(server.url, '/api/v1/me', { headers: basic('alice', created.json.password) });
      assert.equal(me.status, 200);
      assert.equal(me.json.user.username, 'alice');
      assert.equal(me.json.via, 'app-password');
    });
  });
}
