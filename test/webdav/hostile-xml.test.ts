/**
 * Request XML nested or repeated without measure is refused at once with
 * 400 DAV_XML_INVALID, never a 500, and never stalls the process: parsing
 * costs time linear in the body, and nothing recurses on the client's
 * nesting (a dead property's value is written back without recursion too).
 * On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, startDavServer, type DavAccount, type DavReply } from '../helpers/dav.js';

/** A PROPPATCH setting one property whose value nests `levels` elements. */
function nestedProppatch(levels: number): string {
  return (
    '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:deep xmlns:z="urn:z">' +
    `${'<z:n>'.repeat(levels)}core${'</z:n>'.repeat(levels)}</z:deep></D:prop></D:set></D:propertyupdate>`
  );
}

function nestedLock(levels: number): string {
  return (
    '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
    `<D:locktype><D:write/></D:locktype><D:owner>${'<D:href>'.repeat(levels)}me${'</D:href>'.repeat(levels)}</D:owner></D:lockinfo>`
  );
}

function nestedPropfind(levels: number): string {
  return `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>${'<D:x>'.repeat(levels)}${'</D:x>'.repeat(levels)}</D:prop></D:propfind>`;
}

function assertXmlRefused(reply: DavReply, what: string): void {
  assert.equal(reply.status, 400, `${what}: ${reply.text.slice(0, 300)}`);
  assert.match(reply.text, /not acceptable XML/, what);
}

for (const dialect of DIALECTS) {
  describe(`nested and repeated request XML on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      assert.equal((await dav(server, alice, 'PUT', '/dav/mine.txt', { body: 'alice' })).status, 201);
    });
    after(() => server.close());

    for (const levels of [65, 2_000, 20_000]) {
      it(`refuses PROPPATCH, LOCK and PROPFIND bodies nested ${levels} levels with 400 DAV_XML_INVALID`, async () => {
        const bodies: [string, string][] = [
          ['PROPPATCH', nestedProppatch(levels)],
          ['LOCK', nestedLock(levels)],
          ['PROPFIND', nestedPropfind(levels)],
        ];
        for (const [method, body] of bodies) {
          assertXmlRefused(await dav(server, alice, method, '/dav/mine.txt', { headers: { depth: '0' }, body }), method);
        }
        const listing = await dav(server, alice, 'PROPFIND', '/dav/mine.txt', { headers: { depth: '0' } });
        assert.doesNotMatch(listing.text, /urn:z/, 'nothing was stored');
        const lock = await dav(server, alice, 'PROPFIND', '/dav/mine.txt', {
          headers: { depth: '0' },
          body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
        });
        assert.doesNotMatch(lock.text, /activelock/, 'no lock was taken');
      });
    }

    it('keeps a dead property nested 60 levels deep and gives it back byte for byte', async () => {
      const reply = await dav(server, alice, 'PROPPATCH', '/dav/mine.txt', { body: nestedProppatch(60) });
      assert.equal(reply.status, 207, reply.text);
      assert.match(reply.text, /200 OK/);
      const listing = await dav(server, alice, 'PROPFIND', '/dav/mine.txt', {
        headers: { depth: '0' },
        body: '<D:propfind xmlns:D="DAV:"><D:prop><z:deep xmlns:z="urn:z"/></D:prop></D:propfind>',
      });
      const inner = `${'<n xmlns="urn:z">'.repeat(60)}core${'</n>'.repeat(60)}`;
      assert.ok(listing.text.includes(`<deep xmlns="urn:z">${inner}</deep>`), listing.text.slice(0, 500));
    });

    it('refuses a body of more than 10 000 elements with 400, however flat', async () => {
      const body = `<D:propfind xmlns:D="DAV:"><D:prop>${'<x/>'.repeat(10_001)}</D:prop></D:propfind>`;
      assertXmlRefused(await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '0' }, body }), 'PROPFIND');
    });

    it('refuses a PROPFIND naming more than 256 distinct properties with 400, and answers a name repeated once', async () => {
      const many = `<D:propfind xmlns:D="DAV:"><D:prop>${Array.from({ length: 257 }, (_, i) => `<z:p${i} xmlns:z="urn:z"/>`).join('')}</D:prop></D:propfind>`;
      const refused = await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' }, body: many });
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.text, /at most 256 properties/);
      const repeated = `<D:propfind xmlns:D="DAV:"><D:prop>${'<z:same xmlns:z="urn:z"/>'.repeat(5_000)}</D:prop></D:propfind>`;
      const reply = await dav(server, alice, 'PROPFIND', '/dav/mine.txt', { headers: { depth: '0' }, body: repeated });
      assert.equal(reply.status, 207, reply.text.slice(0, 300));
      assert.equal((reply.text.match(/<same /g) ?? []).length, 1);
    });

    it(
      'answers another client within a second while a PROPPATCH nested 100 000 levels is refused',
      { timeout: 60_000 },
      async () => {
        // 700 kB, as short as such a body gets: every element resolves its default namespace at the root.
        const hostile =
          '<propertyupdate xmlns="DAV:"><set><prop><deep xmlns="urn:z">' +
          `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</deep></prop></set></propertyupdate>`;
        const started = performance.now();
        let refusedAfter = -1;
        const refusal = dav(server, alice, 'PROPPATCH', '/dav/mine.txt', { body: hostile }).then((reply) => {
          refusedAfter = performance.now() - started;
          return reply;
        });
        const latencies: number[] = [];
        // Probes start while the body is still arriving and go on until the refusal is in, and a little longer.
        while (refusedAfter < 0 || performance.now() - started < refusedAfter + 300) {
          const sent = performance.now();
          const probe = await dav(server, alice, 'GET', '/dav/mine.txt');
          assert.equal(probe.status, 200);
          latencies.push(performance.now() - sent);
          if (performance.now() - started > 30_000) break;
        }
        assertXmlRefused(await refusal, 'PROPPATCH');
        assert.ok(refusedAfter < 5_000, `refused after ${Math.round(refusedAfter)} ms`);
        assert.ok(Math.max(...latencies) < 1_000, `slowest other answer: ${Math.round(Math.max(...latencies))} ms`);
      },
    );
  });
}
