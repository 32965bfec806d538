/**
 * No request creates a name holding a C0 or C1 control, a bidirectional
 * embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), or a
 * noncharacter (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF): PUT, MKCOL, LOCK of an
 * unmapped URL and the Destination of COPY and MOVE answer 400 and create
 * nothing. Names in any script, emoji included, are kept; a name of that
 * kind already on disk can still be read, renamed and deleted. On SQLite
 * and PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, startDavServer, type DavAccount } from '../helpers/dav.js';

const LOCK_BODY =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

const UNSAFE: [string, string][] = [
  ['a C1 control (U+0085)', 'a\u0085b.txt'],
  ['a C1 control (U+009B)', 'a\u009bb.txt'],
  ['a right-to-left override (U+202E)', 'invoice\u202etxt.exe'],
  ['a left-to-right embedding (U+202A)', 'a\u202ab.txt'],
  ['a first-strong isolate (U+2068)', 'a\u2068b.txt'],
  ['a pop directional isolate (U+2069)', 'a\u2069b.txt'],
  ['the noncharacter U+FFFE', 'a\ufffeb.txt'],
  ['the noncharacter U+FFFF', 'a\uffffb.txt'],
  ['the noncharacter U+FDD0', 'a\ufdd0b.txt'],
  ['the noncharacter U+1FFFE', 'a\u{1fffe}b.txt'],
];

for (const dialect of DIALECTS) {
  describe(`names a request may create, on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      assert.equal((await dav(server, alice, 'PUT', '/dav/source.txt', { body: 'source' })).status, 201);
    });
    after(() => server.close());

    const space = () => path.join(server.dataDir, 'files', alice.userId);

    for (const [what, name] of UNSAFE) {
      it(`refuses ${what} with 400 in PUT, MKCOL, LOCK, COPY and MOVE, and creates nothing`, async () => {
        const target = `/dav/${encodeURIComponent(name)}`;
        const replies = [
          await dav(server, alice, 'PUT', target, { body: 'x' }),
          await dav(server, alice, 'MKCOL', `${target}/`),
          await dav(server, alice, 'LOCK', target, { body: LOCK_BODY }),
          await dav(server, alice, 'COPY', '/dav/source.txt', { headers: { destination: target } }),
          await dav(server, alice, 'MOVE', '/dav/source.txt', { headers: { destination: target } }),
        ];
        for (const reply of replies) assert.equal(reply.status, 400, reply.text);
        assert.deepEqual(fs.readdirSync(space()), ['source.txt']);
      });
    }

    it('keeps names in other scripts, with marks and emoji', async () => {
      for (const name of ['عربي.txt', 'עברית.txt', 'café\u0301.txt', 'naïve 🎉.txt', '日本語.txt']) {
        const target = `/dav/${encodeURIComponent(name)}`;
        assert.equal((await dav(server, alice, 'PUT', target, { body: name })).status, 201, name);
        assert.equal((await dav(server, alice, 'GET', target)).text, name);
        assert.equal((await dav(server, alice, 'DELETE', target)).status, 204);
      }
    });

    it('still reads, renames and deletes such a name already on disk', async () => {
      const legacy = 'old\u202etxt.exe';
      fs.writeFileSync(path.join(space(), legacy), 'legacy');
      const target = `/dav/${encodeURIComponent(legacy)}`;
      assert.equal((await dav(server, alice, 'GET', target)).text, 'legacy');
      assert.equal((await dav(server, alice, 'MOVE', target, { headers: { destination: '/dav/renamed.txt' } })).status, 201);
      assert.equal((await dav(server, alice, 'GET', '/dav/renamed.txt')).text, 'legacy');
      fs.writeFileSync(path.join(space(), legacy), 'again');
      assert.equal((await dav(server, alice, 'DELETE', target)).status, 204);
      assert.deepEqual(fs.readdirSync(space()).sort(), ['renamed.txt', 'source.txt']);
    });
  });
}
