/**
 * HTTP and WebDAV behaviour of /dav/ that litmus does not cover: validators
 * and conditional requests, byte ranges, no file handle left open by GET,
 * PROPFIND depth, durable dead properties, stable file ids, the quota,
 * atomic PUT when a client disconnects, last use recorded with the client's
 * User-Agent, and the request shapes of Windows, macOS Finder and davfs2.
 * On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, startDavServer, type DavAccount } from '../helpers/dav.js';

const FILEID_PROPFIND =
  '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:fileid/><d:getetag/></d:prop></d:propfind>';

function lockBody(scope: 'exclusive' | 'shared' = 'exclusive'): string {
  return `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>`;
}

function fileIdIn(xml: string): string {
  const match = /<fileid xmlns="http:\/\/owncloud.org\/ns">([^<]+)<\/fileid>/.exec(xml);
  assert.ok(match, xml);
  return match[1]!;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const dialect of DIALECTS) {
  describe(`/dav/ protocol on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
    });
    after(() => server.close());

    describe('validators and conditional requests', () => {
      let etag: string;
      let lastModified: string;
      before(async () => {
        assert.equal((await dav(server, alice, 'PUT', '/dav/v.txt', { body: '0123456789' })).status, 201);
        const reply = await dav(server, alice, 'GET', '/dav/v.txt');
        etag = reply.headers.etag!;
        lastModified = reply.headers['last-modified']!;
      });

      it('gives a strong ETag and Last-Modified, and a new ETag after a PUT', async () => {
        assert.match(etag, /^"[^"]+"$/);
        assert.ok(!Number.isNaN(Date.parse(lastModified)));
        assert.equal((await dav(server, alice, 'PUT', '/dav/v2.txt', { body: 'a' })).status, 201);
        const first = (await dav(server, alice, 'HEAD', '/dav/v2.txt')).headers.etag;
        assert.equal((await dav(server, alice, 'PUT', '/dav/v2.txt', { body: 'b' })).status, 204);
        assert.notEqual((await dav(server, alice, 'HEAD', '/dav/v2.txt')).headers.etag, first);
      });

      it('answers 304 to If-None-Match with the current ETag and to If-Modified-Since, on GET and HEAD', async () => {
        for (const method of ['GET', 'HEAD']) {
          assert.equal((await dav(server, alice, method, '/dav/v.txt', { headers: { 'if-none-match': etag } })).status, 304);
          assert.equal(
            (await dav(server, alice, method, '/dav/v.txt', { headers: { 'if-modified-since': lastModified } })).status,
            304,
          );
        }
      });

      it('refuses PUT and DELETE with 412 when If-Match does not match, and changes nothing', async () => {
        for (const method of ['PUT', 'DELETE']) {
          const reply = await dav(server, alice, method, '/dav/v.txt', {
            headers: { 'if-match': '"stale"' },
            ...(method === 'PUT' ? { body: 'changed' } : {}),
          });
          assert.equal(reply.status, 412);
        }
        assert.equal((await dav(server, alice, 'GET', '/dav/v.txt')).text, '0123456789');
      });

      it('refuses PUT with If-None-Match: * on an existing file (no overwrite) with 412', async () => {
        assert.equal(
          (await dav(server, alice, 'PUT', '/dav/v.txt', { headers: { 'if-none-match': '*' }, body: 'x' })).status,
          412,
        );
      });

      it('serves one Range with 206 and Content-Range, and answers 416 outside the file', async () => {
        const part = await dav(server, alice, 'GET', '/dav/v.txt', { headers: { range: 'bytes=2-5' } });
        assert.equal(part.status, 206);
        assert.equal(part.text, '2345');
        assert.equal(part.headers['content-range'], 'bytes 2-5/10');
        const suffix = await dav(server, alice, 'GET', '/dav/v.txt', { headers: { range: 'bytes=-3' } });
        assert.equal(suffix.text, '789');
        const outside = await dav(server, alice, 'GET', '/dav/v.txt', { headers: { range: 'bytes=50-60' } });
        assert.equal(outside.status, 416);
        assert.equal(outside.headers['content-range'], 'bytes */10');
      });

      it('leaves no file handle open, whatever GET or HEAD answers (200, 206, 304, 412, 416, 404, a folder, a large file)', async () => {
        assert.equal((await dav(server, alice, 'PUT', '/dav/large.bin', { body: Buffer.alloc(200_000, 7) })).status, 201);
        const answers: [string, string, Record<string, string>, number][] = [
          ['GET', '/dav/v.txt', {}, 200],
          ['HEAD', '/dav/v.txt', {}, 200],
          ['GET', '/dav/v.txt', { range: 'bytes=1-2' }, 206],
          ['GET', '/dav/v.txt', { 'if-none-match': etag }, 304],
          ['GET', '/dav/v.txt', { 'if-match': '"stale"' }, 412],
          ['GET', '/dav/v.txt', { range: 'bytes=50-60' }, 416],
          ['GET', '/dav/v.txt/', {}, 404],
          ['GET', '/dav/', {}, 200],
          ['GET', '/dav/large.bin', {}, 200],
          ['GET', '/dav/large.bin', { range: 'bytes=100-150099' }, 206],
        ];
        const openHandles = () => fs.readdirSync('/proc/self/fd').length;
        for (const [method, target, headers, status] of answers) await dav(server, alice, method, target, { headers });
        const before = openHandles();
        for (let round = 0; round < 10; round++) {
          for (const [method, target, headers, status] of answers) {
            const reply = await dav(server, alice, method, target, { headers });
            assert.equal(reply.status, status, `${method} ${target} ${JSON.stringify(headers)}`);
          }
        }
        // A handle still closing settles within the wait; a leak (one per request) never does.
        await until(() => openHandles() - before < 10, 'the handles of 100 requests to be closed');
      });
    });

    describe('PROPFIND, PROPPATCH and file ids', () => {
      it('refuses Depth: infinity with 403 and the propfind-finite-depth precondition', async () => {
        const reply = await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: 'infinity' } });
        assert.equal(reply.status, 403);
        assert.match(reply.text, /<D:propfind-finite-depth\/>/);
      });

      it('stores dead properties in the database, where every process sees them', async () => {
        await dav(server, alice, 'PUT', '/dav/p.txt', { body: 'p' });
        const body =
          '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example"><D:set><D:prop><Z:color>bleu <Z:b>vif</Z:b></Z:color></D:prop></D:set></D:propertyupdate>';
        assert.equal((await dav(server, alice, 'PROPPATCH', '/dav/p.txt', { body })).status, 207);
        const row = await server.server.services.db
          .selectFrom('dav_properties')
          .selectAll()
          .where('path', '=', '/p.txt')
          .executeTakeFirstOrThrow();
        assert.equal(row.namespace, 'urn:example');
        assert.equal(row.name, 'color');
        assert.equal(row.value, 'bleu <b xmlns="urn:example">vif</b>');
      });

      it('refuses to change a live property (403) and then applies none of the request (424)', async () => {
        const body =
          '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example"><D:set><D:prop><D:getetag>x</D:getetag><Z:other>y</Z:other></D:prop></D:set></D:propertyupdate>';
        const reply = await dav(server, alice, 'PROPPATCH', '/dav/p.txt', { body });
        assert.equal(reply.status, 207);
        assert.match(reply.text, /HTTP\/1.1 403/);
        assert.match(reply.text, /HTTP\/1.1 424/);
        const rows = await server.server.services.db
          .selectFrom('dav_properties')
          .selectAll()
          .where('name', '=', 'other')
          .execute();
        assert.equal(rows.length, 0);
      });

      it('keeps a file id across a rename and an overwrite', async () => {
        await dav(server, alice, 'PUT', '/dav/id.txt', { body: 'one' });
        const id = fileIdIn(
          (await dav(server, alice, 'PROPFIND', '/dav/id.txt', { headers: { depth: '0' }, body: FILEID_PROPFIND })).text,
        );
        assert.equal(
          (await dav(server, alice, 'MOVE', '/dav/id.txt', { headers: { destination: '/dav/renamed.txt' } })).status,
          201,
        );
        assert.equal((await dav(server, alice, 'PUT', '/dav/renamed.txt', { body: 'two' })).status, 204);
        const after = (
          await dav(server, alice, 'PROPFIND', '/dav/renamed.txt', { headers: { depth: '0' }, body: FILEID_PROPFIND })
        ).text;
        assert.equal(fileIdIn(after), id);
        await dav(server, alice, 'PUT', '/dav/other.txt', { body: 'x' });
        const other = (await dav(server, alice, 'PROPFIND', '/dav/other.txt', { headers: { depth: '0' }, body: FILEID_PROPFIND }))
          .text;
        assert.notEqual(fileIdIn(other), id);
      });
    });

    describe('partial failures', () => {
      it('deletes what it can of a folder whose member is locked: 207 with 423 for the member, which stays', async () => {
        await dav(server, alice, 'MKCOL', '/dav/box/');
        await dav(server, alice, 'MKCOL', '/dav/box/inner/');
        await dav(server, alice, 'PUT', '/dav/box/inner/kept.txt', { body: 'locked' });
        await dav(server, alice, 'PUT', '/dav/box/inner/gone.txt', { body: 'free' });
        await dav(server, alice, 'PUT', '/dav/box/gone-too.txt', { body: 'free' });
        const lock = await dav(server, alice, 'LOCK', '/dav/box/inner/kept.txt', { headers: { depth: '0' }, body: lockBody() });
        assert.equal(lock.status, 200);
        const reply = await dav(server, alice, 'DELETE', '/dav/box/');
        assert.equal(reply.status, 207, reply.text);
        assert.match(reply.text, /<D:href>\/dav\/box\/inner\/kept\.txt<\/D:href><D:status>HTTP\/1.1 423 Locked<\/D:status>/);
        assert.equal((await dav(server, alice, 'GET', '/dav/box/inner/kept.txt')).text, 'locked');
        assert.equal((await dav(server, alice, 'GET', '/dav/box/inner/gone.txt')).status, 404);
        assert.equal((await dav(server, alice, 'GET', '/dav/box/gone-too.txt')).status, 404);
      });
    });

    describe('quota', () => {
      before(() =>
        updatePolicy(server.server.services, { storageQuotaBytes: 4096 }, { userId: null, name: 'test', ip: '', client: '' }),
      );
      after(() =>
        updatePolicy(server.server.services, { storageQuotaBytes: 0 }, { userId: null, name: 'test', ip: '', client: '' }),
      );

      it('refuses a PUT over the quota with 507 before writing, announced by Content-Length', async () => {
        const reply = await dav(server, alice, 'PUT', '/dav/too-big.bin', { body: Buffer.alloc(8192) });
        assert.equal(reply.status, 507);
        assert.equal((await dav(server, alice, 'HEAD', '/dav/too-big.bin')).status, 404);
      });

      it('stops a chunked PUT once it passes the quota, with 507, keeping nothing', async () => {
        const reply = await chunkedPut(server, alice, '/dav/chunked-big.bin', [Buffer.alloc(3000), Buffer.alloc(3000)], {});
        assert.equal(reply.status, 507);
        assert.equal((await dav(server, alice, 'HEAD', '/dav/chunked-big.bin')).status, 404);
        assert.deepEqual(fs.readdirSync(path.join(server.dataDir, 'files', '.tmp')), []);
      });
    });

    describe('atomic PUT', () => {
      it('keeps the previous version and leaves no temporary file when the client disconnects mid-upload', async () => {
        await dav(server, alice, 'PUT', '/dav/atomic.bin', { body: 'previous version' });
        const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        const auth = Buffer.from(`${alice.username}:${alice.password}`).toString('base64');
        socket.write(
          `PUT /dav/atomic.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nContent-Length: 10000000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(2_000_000, 1));
        const tempDir = path.join(server.dataDir, 'files', '.tmp');
        await until(() => fs.readdirSync(tempDir).length > 0, 'the upload to start');
        socket.destroy();
        await until(() => fs.readdirSync(tempDir).length === 0, 'the temporary file to go');
        assert.equal((await dav(server, alice, 'GET', '/dav/atomic.bin')).text, 'previous version');
        const listing = await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '1' } });
        assert.doesNotMatch(listing.text, /\.tmp/);
      });
    });

    describe('clients', () => {
      it("records the last use with the client's User-Agent, for Recent connections", async () => {
        const agent = 'Microsoft-WebDAV-MiniRedir/10.0.19045';
        await dav(server, alice, 'PROPFIND', '/dav/', { headers: { depth: '0', 'user-agent': agent } });
        await server.server.services.usage.flush(true);
        const rows = await server.server.services.db
          .selectFrom('connections')
          .select(['client', 'application', 'outcome'])
          .execute();
        assert.ok(
          rows.some(
            (row) =>
              row.client.includes('Microsoft-WebDAV-MiniRedir') && row.application === 'webdav' && row.outcome === 'success',
          ),
          JSON.stringify(rows),
        );
      });

      it('serves Windows: PROPFIND without body at Depth 0 on the root with Translate: f, then Win32 properties', async () => {
        const headers = { depth: '0', translate: 'f', 'user-agent': 'Microsoft-WebDAV-MiniRedir/10.0.19045' };
        const root = await dav(server, alice, 'PROPFIND', '/dav/', { headers });
        assert.equal(root.status, 207);
        assert.match(root.text, /<D:collection\/>/);
        await dav(server, alice, 'PUT', '/dav/win.docx', { headers, body: 'doc' });
        const win32 =
          '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
          '<Z:Win32CreationTime>Thu, 26 Nov 2026 10:00:00 GMT</Z:Win32CreationTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>' +
          '</D:prop></D:set></D:propertyupdate>';
        const patched = await dav(server, alice, 'PROPPATCH', '/dav/win.docx', { headers, body: win32 });
        assert.equal(patched.status, 207);
        assert.doesNotMatch(patched.text, /HTTP\/1.1 (4|5)\d\d/);
        const read = await dav(server, alice, 'PROPFIND', '/dav/win.docx', { headers: { depth: '0' } });
        assert.match(read.text, /<Win32FileAttributes xmlns="urn:schemas-microsoft-com:">00000020<\/Win32FileAttributes>/);
      });

      it('serves macOS Finder: LOCK before PUT (201), chunked PUT with X-Expected-Entity-Length under the lock, AppleDouble files', async () => {
        const headers = { 'user-agent': 'WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (x86_64)' };
        const lock = await dav(server, alice, 'LOCK', '/dav/finder.txt', {
          headers: { ...headers, depth: '0', timeout: 'Second-600' },
          body: lockBody(),
        });
        assert.equal(lock.status, 201);
        const token = String(lock.headers['lock-token']);
        const put = await chunkedPut(server, alice, '/dav/finder.txt', [Buffer.from('from '), Buffer.from('finder')], {
          ...headers,
          if: `(${token})`,
          'x-expected-entity-length': '11',
        });
        assert.equal(put.status, 204);
        assert.equal((await dav(server, alice, 'GET', '/dav/finder.txt')).text, 'from finder');
        assert.equal(
          (await dav(server, alice, 'PUT', '/dav/._finder.txt', { headers, body: Buffer.from([0, 5, 22, 7]) })).status,
          201,
        );
        assert.deepEqual([...(await dav(server, alice, 'GET', '/dav/._finder.txt')).body], [0, 5, 22, 7]);
        assert.equal((await dav(server, alice, 'UNLOCK', '/dav/finder.txt', { headers: { 'lock-token': token } })).status, 204);
      });

      it('serves davfs2: LOCK, then PUT with If on every write; refuses a PUT without the token with 423', async () => {
        const headers = { 'user-agent': 'davfs2/1.7.0 neon/0.32.5' };
        await dav(server, alice, 'PUT', '/dav/davfs.txt', { headers, body: 'v1' });
        const lock = await dav(server, alice, 'LOCK', '/dav/davfs.txt', {
          headers: { ...headers, timeout: 'Second-300' },
          body: lockBody(),
        });
        assert.equal(lock.status, 200);
        const token = String(lock.headers['lock-token']);
        const url = `${server.url}/dav/davfs.txt`;
        assert.equal(
          (
            await dav(server, alice, 'PUT', '/dav/davfs.txt', {
              headers: { ...headers, if: `<${url}> (${String(token)})` },
              body: 'v2',
            })
          ).status,
          204,
        );
        const refused = await dav(server, alice, 'PUT', '/dav/davfs.txt', { headers, body: 'v3' });
        assert.equal(refused.status, 423);
        assert.match(refused.text, /<D:lock-token-submitted\/>/);
        assert.equal((await dav(server, alice, 'GET', '/dav/davfs.txt')).text, 'v2');
      });
    });
  });
}

/** A PUT with Transfer-Encoding: chunked (no Content-Length), as macOS Finder sends. */
async function chunkedPut(
  server: TestServer,
  account: DavAccount,
  target: string,
  chunks: Buffer[],
  headers: Record<string, string>,
) {
  const { default: http } = await import('node:http');
  const url = new URL(server.url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: target,
        agent: false,
        headers: {
          ...headers,
          authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
