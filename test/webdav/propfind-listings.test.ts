/**
 * PROPFIND builds one listing at a time per process (methods/propfind.ts):
 * that queue must never make one request wait for another's client or mix
 * answers. A PROPFIND whose body is still on its way holds no one; many
 * PROPFINDs at once each get their own folder's listing, whole. On SQLite and
 * PostgreSQL, over real HTTP.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { basic } from '../helpers/http.js';
import { dav, startDavServer, type DavAccount } from '../helpers/dav.js';

const ALLPROP = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';

function hrefs(multistatus: string): string[] {
  return [...multistatus.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]!).sort();
}

for (const dialect of DIALECTS) {
  describe(`PROPFIND listings one at a time on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;

    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      for (let folder = 0; folder < 6; folder++) {
        assert.equal((await dav(server, alice, 'MKCOL', `/dav/f${folder}/`)).status, 201);
        for (let file = 0; file <= folder; file++)
          assert.equal((await dav(server, alice, 'PUT', `/dav/f${folder}/n${file}.txt`, { body: 'x' })).status, 201);
      }
    });
    after(() => server.close());

    it('answers another PROPFIND while the body of one is still on its way', async () => {
      const url = new URL(server.url);
      let firstStatus = 0;
      const slow = http.request({
        host: url.hostname,
        port: url.port,
        method: 'PROPFIND',
        path: '/dav/f0/',
        agent: false,
        headers: { ...basic(alice.username, alice.password), depth: '1', 'content-length': String(Buffer.byteLength(ALLPROP)) },
      });
      const firstDone = new Promise<string>((resolve, reject) => {
        slow.on('response', (res) => {
          firstStatus = res.statusCode ?? 0;
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve(text));
        });
        slow.on('error', reject);
      });
      slow.write(ALLPROP.slice(0, 20));
      slow.flushHeaders();

      const other = await dav(server, alice, 'PROPFIND', '/dav/f1/', { headers: { depth: '1' }, body: ALLPROP });
      assert.equal(other.status, 207, other.text);
      assert.deepEqual(hrefs(other.text), ['/dav/f1/', '/dav/f1/n0.txt', '/dav/f1/n1.txt']);
      assert.equal(firstStatus, 0, 'the first PROPFIND is not answered before its body has arrived');

      slow.end(ALLPROP.slice(20));
      const first = await firstDone;
      assert.equal(firstStatus, 207, first);
      assert.deepEqual(hrefs(first), ['/dav/f0/', '/dav/f0/n0.txt']);
    });

    it('gives each of many PROPFINDs at once the whole listing of its own folder', async () => {
      const folders = [0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0];
      const answers = await Promise.all(
        folders.map((folder) => dav(server, alice, 'PROPFIND', `/dav/f${folder}/`, { headers: { depth: '1' }, body: ALLPROP })),
      );
      answers.forEach((answer, i) => {
        const folder = folders[i]!;
        assert.equal(answer.status, 207, answer.text);
        const expected = [`/dav/f${folder}/`, ...Array.from({ length: folder + 1 }, (_, file) => `/dav/f${folder}/n${file}.txt`)];
        assert.deepEqual(hrefs(answer.text), expected.sort());
      });
    });
  });
}
