/**
 * /dav/ keeps every user inside their own space and refuses what could
 * leave it or harm the server: traversal in all its spellings, links placed
 * on disk, Destinations elsewhere, hostile XML, names the file system cannot
 * hold — each with a clear 4xx and nothing changed. Unicode names are kept
 * byte for byte. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, rawRequest, startDavServer, type DavAccount, type DavReply } from '../helpers/dav.js';

function assertDavError(reply: DavReply, status: number, code: RegExp = /<s:message>/): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers['content-type'] ?? '', /application\/xml/);
  assert.match(reply.text, code);
}

function spaceOf(server: TestServer, account: DavAccount): string {
  return path.join(server.dataDir, 'files', account.userId);
}

for (const dialect of DIALECTS) {
  describe(`WebDAV safety on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    let bob: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      bob = await davAccount(server, 'bob');
      assert.equal((await dav(server, bob, 'PUT', '/dav/bob-only.txt', { body: 'bob private' })).status, 201);
      assert.equal((await dav(server, alice, 'PUT', '/dav/mine.txt', { body: 'alice' })).status, 201);
    });
    after(() => server.close());

    describe('paths', () => {
      const traversals = [
        '/dav/../../etc/passwd',
        '/dav/%2e%2e/%2e%2e/etc/passwd',
        '/dav/%2E%2E/bob-only.txt',
        '/dav/a%2f..%2f..%2fetc%2fpasswd',
        '/dav/mine.txt%00.jpg',
        '/dav/..%5c..%5cetc%5cpasswd',
        '/dav/..\\..\\etc\\passwd',
        '/dav/./mine.txt',
        '/dav/%ZZ',
      ];
      for (const target of traversals) {
        it(`refuses ${target} with a 400 WebDAV XML error`, async () => {
          for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND']) {
            const reply = await rawRequest(server, alice, method, target, {
              headers: { depth: '0' },
              body: method === 'PUT' ? 'x' : '',
            });
            assertDavError(reply, 400);
          }
        });
      }

      it('answers a method WebDAV does not serve with 405, the Allow list and an XML error (401 first without credentials)', async () => {
        for (const method of ['SEARCH', 'POST', 'PATCH', 'TRACE']) {
          const reply = await rawRequest(server, alice, method, '/dav/mine.txt');
          assertDavError(reply, 405);
          assert.match(reply.headers.allow ?? '', /PROPFIND/, `${method}: ${reply.text}`);
          const anonymous = await rawRequest(server, null, method, '/dav/mine.txt');
          assertDavError(anonymous, 401);
          assert.match(anonymous.headers['www-authenticate'] ?? '', /^Basic realm="Sesame"/);
        }
        assert.equal((await dav(server, alice, 'GET', '/dav/mine.txt')).text, 'alice');
      });

      it('reads an absolute-looking path (/dav//etc/passwd) inside the space, never the system file', async () => {
        const reply = await rawRequest(server, alice, 'GET', '/dav//etc/passwd');
        assertDavError(reply, 404);
        assert.doesNotMatch(reply.text, /root:/);
      });

      it('refuses an absolute-form target that climbs out', async () => {
        const reply = await rawRequest(server, alice, 'GET', `${server.url}/dav/../../etc/passwd`);
        assert.equal(reply.status, 400);
        assert.doesNotMatch(reply.text, /root:/);
      });

      it('refuses a name over 255 bytes with 400 DAV_NAME_UNSUPPORTED and creates nothing', async () => {
        const reply = await dav(server, alice, 'PUT', `/dav/${'é'.repeat(128)}`, { body: 'x' });
        assert.equal(reply.status, 400);
        assert.deepEqual(fs.readdirSync(spaceOf(server, alice)).sort(), ['mine.txt']);
      });

      it('refuses a path over 4 KiB with 414', async () => {
        const reply = await dav(server, alice, 'GET', `/dav/${Array.from({ length: 50 }, () => 'a'.repeat(100)).join('/')}`);
        assert.equal(reply.status, 414);
      });
    });

    describe('links placed on disk', () => {
      before(() => {
        const space = spaceOf(server, alice);
        fs.symlinkSync('/etc', path.join(space, 'etc-link'));
        fs.symlinkSync('/etc/passwd', path.join(space, 'passwd-link'));
        fs.symlinkSync(spaceOf(server, bob), path.join(space, 'bob-link'));
      });

      for (const target of ['/dav/etc-link/passwd', '/dav/passwd-link', '/dav/bob-link/bob-only.txt']) {
        it(`never follows ${target} (403, no content)`, async () => {
          const reply = await dav(server, alice, 'GET', target);
          assertDavError(reply, 403);
          assert.doesNotMatch(reply.text, /root:|bob private/);
        });
      }

      it('refuses a folder, then a file, swapped for a link after they were served (nothing cached lets it through)', async () => {
        const space = spaceOf(server, alice);
        const outside = fs.mkdtempSync(path.join(server.dataDir, 'outside-'));
        fs.writeFileSync(path.join(outside, 'file.txt'), 'outside secret');
        assert.equal((await dav(server, alice, 'MKCOL', '/dav/swap/')).status, 201);
        assert.equal((await dav(server, alice, 'PUT', '/dav/swap/file.txt', { body: 'inside' })).status, 201);
        for (const method of ['GET', 'HEAD', 'GET'])
          assert.equal((await dav(server, alice, method, '/dav/swap/file.txt')).status, 200);

        fs.renameSync(path.join(space, 'swap'), path.join(space, 'swap-was'));
        fs.symlinkSync(outside, path.join(space, 'swap'));
        for (const method of ['GET', 'HEAD']) {
          const reply = await dav(server, alice, method, '/dav/swap/file.txt');
          assert.equal(reply.status, 403, `${method} through a swapped folder`);
          assert.doesNotMatch(reply.text, /outside secret/);
          assert.equal(reply.headers.etag, undefined);
        }

        assert.equal((await dav(server, alice, 'GET', '/dav/swap-was/file.txt')).text, 'inside');
        fs.rmSync(path.join(space, 'swap-was', 'file.txt'));
        fs.symlinkSync(path.join(outside, 'file.txt'), path.join(space, 'swap-was', 'file.txt'));
        const reply = await dav(server, alice, 'GET', '/dav/swap-was/file.txt');
        assertDavError(reply, 403);
        assert.doesNotMatch(reply.text, /outside secret/);
      });

      it('never writes through a link to another space', async () => {
        assertDavError(await dav(server, alice, 'PUT', '/dav/bob-link/planted.txt', { body: 'x' }), 403);
        assert.equal(fs.existsSync(path.join(spaceOf(server, bob), 'planted.txt')), false);
      });

      it('does not list links in PROPFIND', async () => {
        const reply = await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
        assert.equal(reply.status, 207);
        assert.doesNotMatch(reply.text, /etc-link|passwd-link|bob-link/);
        assert.match(reply.text, /mine\.txt/);
      });
    });

    describe('Destination of COPY and MOVE', () => {
      const cases: [string, number][] = [
        ['/api/v1/me', 403],
        ['/dav/../outside.txt', 403],
        ['/dav/%2e%2e/outside.txt', 403],
        ['/remote.php/dav/files/bob/stolen.txt', 403],
        ['http://evil.example/dav/stolen.txt', 502],
      ];
      for (const [destination, status] of cases) {
        it(`refuses Destination ${destination} with ${status} and moves nothing`, async () => {
          for (const method of ['COPY', 'MOVE']) {
            const reply = await dav(server, alice, method, '/dav/mine.txt', { headers: { destination } });
            assertDavError(reply, status);
          }
          assert.equal((await dav(server, alice, 'GET', '/dav/mine.txt')).text, 'alice');
          assert.deepEqual(fs.readdirSync(spaceOf(server, bob)), ['bob-only.txt']);
        });
      }

      it('accepts an absolute Destination naming this server', async () => {
        const reply = await dav(server, alice, 'COPY', '/dav/mine.txt', {
          headers: { destination: `${server.url}/dav/copy.txt` },
        });
        assert.equal(reply.status, 201);
        assert.equal((await dav(server, alice, 'GET', '/dav/copy.txt')).text, 'alice');
      });
    });

    describe('request XML', () => {
      const hostile = {
        'a DTD': '<?xml version="1.0"?><!DOCTYPE propfind [<!ELEMENT propfind ANY>]><propfind xmlns="DAV:"><allprop/></propfind>',
        'an external entity':
          '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><propfind xmlns="DAV:"><prop>&x;</prop></propfind>',
        'billion laughs': `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><propfind xmlns="DAV:"><prop>&lol9;</prop></propfind>`,
        'an undefined entity': '<propfind xmlns="DAV:"><prop>&nope;</prop></propfind>',
        'malformed XML': '<propfind xmlns="DAV:"><allprop></propfind>',
        'invalid UTF-8': Buffer.from([0x3c, 0x61, 0xff, 0x3e]),
      };
      for (const [what, body] of Object.entries(hostile)) {
        it(`refuses ${what} with 400 DAV_XML_INVALID`, async () => {
          for (const method of ['PROPFIND', 'PROPPATCH', 'LOCK']) {
            const reply = await dav(server, alice, method, '/dav/mine.txt', {
              headers: { depth: '0', 'content-type': 'application/xml' },
              body,
            });
            assertDavError(reply, 400, /not acceptable XML/);
            assert.doesNotMatch(reply.text, /root:|lollol/);
          }
        });
      }

      it('refuses an XML body over 1 MiB with 413', async () => {
        const body = `<propfind xmlns="DAV:"><prop>${'<x/>'.repeat(300_000)}</prop></propfind>`;
        assertDavError(await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '0' }, body }), 413);
      });
    });

    describe('Unicode names', () => {
      const nfc = 'caf\u00e9.txt';
      const nfd = 'cafe\u0301.txt';
      it('keeps NFC and NFD names apart and byte-exact', async () => {
        assert.equal((await dav(server, alice, 'PUT', `/dav/${encodeURIComponent(nfc)}`, { body: 'nfc' })).status, 201);
        assert.equal((await dav(server, alice, 'PUT', `/dav/${encodeURIComponent(nfd)}`, { body: 'nfd' })).status, 201);
        assert.equal((await dav(server, alice, 'GET', `/dav/${encodeURIComponent(nfc)}`)).text, 'nfc');
        assert.equal((await dav(server, alice, 'GET', `/dav/${encodeURIComponent(nfd)}`)).text, 'nfd');
        const names = fs.readdirSync(spaceOf(server, alice), { encoding: 'buffer' }).map((b) => b.toString('hex'));
        assert.ok(names.includes(Buffer.from(nfc).toString('hex')));
        assert.ok(names.includes(Buffer.from(nfd).toString('hex')));
        const listing = await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
        assert.ok(listing.text.includes(`/dav/${encodeURIComponent(nfc)}<`));
        assert.ok(listing.text.includes(`/dav/${encodeURIComponent(nfd)}<`));
      });
    });
  });
}
