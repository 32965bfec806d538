/**
 * Look-alike usernames over real HTTP, on SQLite and PostgreSQL: the
 * database's uniqueness rests on the RFC 8265 key, so `Straße`/`STRASSE`,
 * `ΟΔΟΣ`/`οδοσ` and `Ａｄｍｉｎ`/`admin` cannot be two accounts; a name mixing
 * scripts is refused; and every spelling that maps to an account reaches it,
 * on the web sign-in (trimmed) and over Basic auth, where a non-ASCII name
 * travels as UTF-8 (RFC 7617 `charset="UTF-8"`). The key function itself is
 * unit-tested in test/unit/username.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, type Session } from '../helpers/http.js';
import { ALL_TABLES, PASSWORD, addAdmin, assertError, assertUnchanged, createPassword, freshIp, openSession } from './support.js';

for (const dialect of DIALECTS) {
  describe(`look-alike usernames (${dialect})`, () => {
    let server: TestServer;
    let admin: Session;

    before(async () => {
      server = await startServer({ dialect });
      admin = await addAdmin(server, 'root');
    });
    after(() => server.close());

    function createUser(username: string) {
      return admin.call('/api/v1/admin/users', { method: 'POST', body: { username, password: PASSWORD } });
    }

    for (const [first, lookAlikes] of [
      ['Straße', ['STRASSE', 'strasse', 'ＳＴＲＡＳＳＥ']],
      ['ΟΔΟΣ', ['οδοσ', 'οδος']],
      ['admin', ['Ａｄｍｉｎ', 'ADMIN']],
    ] as const) {
      it(`refuses ${lookAlikes.join(', ')} once ${first} exists, with USER_EXISTS, changing nothing`, async () => {
        const created = await createUser(first);
        assert.equal(created.status, 201, created.text);
        for (const username of lookAlikes) {
          assertError(await assertUnchanged(server, () => createUser(username), ALL_TABLES), 409, 'USER_EXISTS');
        }
      });
    }

    it('refuses a name mixing scripts (a Cyrillic а in "admin") with USERNAME_INVALID, changing nothing', async () => {
      assertError(await assertUnchanged(server, () => createUser('\u0430dmin'), ALL_TABLES), 400, 'USERNAME_INVALID');
    });

    it('signs in to the one account from any spelling that maps to it, spaces around included', async () => {
      const owner = await createUser('Élodie');
      assert.equal(owner.status, 201, owner.text);
      for (const username of [' Élodie ', 'ÉLODIE', 'e\u0301lodie', 'Ｅ\u0301ｌｏｄｉｅ']) {
        const reply = await request(server.url, '/api/v1/session', {
          method: 'POST',
          body: { username, password: PASSWORD },
          from: freshIp(),
        });
        assert.equal(reply.status, 200, `${JSON.stringify(username)}: ${reply.text}`);
        assert.equal(reply.json.user.id, owner.json.user.id);
      }
    });

    it('accepts a non-ASCII name over Basic auth, sent as UTF-8, in any spelling that maps to it', async () => {
      const owner = await createUser('Jürgen');
      assert.equal(owner.status, 201, owner.text);
      const { secret } = await createPassword(await openSession(server, owner.json.user.id), { name: 'Lecteur' });
      for (const username of ['Jürgen', 'JÜRGEN', 'ｊüｒｇｅｎ']) {
        const reply = await request(server.url, '/api/v1/me', { headers: basic(username, secret), from: freshIp() });
        assert.equal(reply.status, 200, `${username}: ${reply.text}`);
        assert.equal(reply.json.user.username, 'Jürgen');
      }
      const latin1 = Buffer.concat([Buffer.from('J'), Buffer.from([0xfc]), Buffer.from(`rgen:${secret}`)]).toString('base64');
      const refused = await request(server.url, '/api/v1/me', { headers: { authorization: `Basic ${latin1}` }, from: freshIp() });
      assertError(refused, 401, 'UNAUTHENTICATED');
    });
  });
}
