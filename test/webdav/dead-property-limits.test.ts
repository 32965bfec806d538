/**
 * Dead properties are bounded and count in the quota: one value, the number
 * of properties of a resource and their total size each have a limit, and
 * the space's usage holds its properties, so PROPPATCH (and a COPY that
 * duplicates them) answers 507 past the quota, as an upload does. A refused
 * PROPPATCH changes nothing. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updatePolicy } from '../../src/policy/policy.js';
import { DIALECTS, type TestServer } from '../helpers/server.js';
import { dav, davAccount, startDavServer, type DavAccount, type DavReply } from '../helpers/dav.js';

const ADMIN = { userId: null, name: 'test', ip: '', client: '' };

/** A PROPPATCH setting `count` properties of `size` characters each, named from `first` on. */
function setProperties(count: number, size: number, first = 0): string {
  const props = Array.from({ length: count }, (_, i) => `<z:p${first + i}>${'v'.repeat(size)}</z:p${first + i}>`).join('');
  return `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:z="urn:z"><D:set><D:prop>${props}</D:prop></D:set></D:propertyupdate>`;
}

/** The statuses of a PROPPATCH's propstats. */
function statuses(reply: DavReply): string[] {
  assert.equal(reply.status, 207, reply.text.slice(0, 300));
  return [...new Set([...reply.text.matchAll(/<D:status>HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]!))];
}

for (const dialect of DIALECTS) {
  describe(`limits of dead properties on ${dialect}`, () => {
    let server: TestServer;
    let users = 0;
    before(async () => {
      ({ server } = await startDavServer(dialect));
    });
    after(() => server.close());

    async function accountWithFile(): Promise<DavAccount> {
      const account = await davAccount(server, `props-${users++}`);
      assert.equal((await dav(server, account, 'PUT', '/dav/one.txt', { body: 'x' })).status, 201);
      return account;
    }

    async function propertyCount(account: DavAccount, target: string): Promise<number> {
      const reply = await dav(server, account, 'PROPFIND', target, {
        headers: { depth: '0' },
        body: '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>',
      });
      return (reply.text.match(/xmlns="urn:z"/g) ?? []).length;
    }

    it('refuses a value over 64 KiB with 507 and keeps nothing', async () => {
      const account = await accountWithFile();
      assert.deepEqual(statuses(await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 65 * 1024) })), [
        '507',
      ]);
      assert.equal(await propertyCount(account, '/dav/one.txt'), 0);
      assert.deepEqual(statuses(await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 60 * 1024) })), [
        '200',
      ]);
    });

    it('keeps at most 256 properties on one resource', async () => {
      const account = await accountWithFile();
      assert.deepEqual(statuses(await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(256, 10) })), [
        '200',
      ]);
      const more = await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 10, 256) });
      assert.deepEqual(statuses(more), ['507']);
      assert.equal(await propertyCount(account, '/dav/one.txt'), 256);
      // Replacing one of them adds none: still accepted.
      assert.deepEqual(statuses(await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 20, 3) })), [
        '200',
      ]);
    });

    it('keeps at most 256 KiB of properties on one resource, over several requests', async () => {
      const account = await accountWithFile();
      for (let i = 0; i < 4; i++) {
        const reply = await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 60 * 1024, i) });
        assert.deepEqual(statuses(reply), ['200'], `property ${i}`);
      }
      const fifth = await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 60 * 1024, 4) });
      assert.deepEqual(statuses(fifth), ['507']);
      assert.equal(await propertyCount(account, '/dav/one.txt'), 4);
    });

    it('applies a body that sets, removes and sets again in document order: the last change of each name holds', async () => {
      const account = await accountWithFile();
      const body =
        '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:z="urn:z">' +
        '<D:set><D:prop><z:a>1</z:a><z:b>kept?</z:b></D:prop></D:set>' +
        '<D:remove><D:prop><z:a/><z:b/></D:prop></D:remove>' +
        '<D:set><D:prop><z:a>2</z:a></D:prop></D:set></D:propertyupdate>';
      assert.deepEqual(statuses(await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body })), ['200']);
      const reply = await dav(server, account, 'PROPFIND', '/dav/one.txt', {
        headers: { depth: '0' },
        body: '<D:propfind xmlns:D="DAV:" xmlns:z="urn:z"><D:prop><z:a/><z:b/></D:prop></D:propfind>',
      });
      assert.match(reply.text, /<a xmlns="urn:z">2<\/a>/);
      assert.match(reply.text, /<D:propstat><D:prop><b xmlns="urn:z"\/><\/D:prop><D:status>HTTP\/1\.1 404/);
    });

    describe('under a 1 MB quota', () => {
      before(() => updatePolicy(server.server.services, { storageQuotaBytes: 1_000_000 }, ADMIN));
      after(() => updatePolicy(server.server.services, { storageQuotaBytes: 0 }, ADMIN));

      it('counts properties in the usage: PROPPATCH past the quota answers 507, and so does an upload then', async () => {
        const account = await accountWithFile();
        let accepted = 0;
        for (let file = 0; file < 6; file++) {
          if (file > 0) assert.equal((await dav(server, account, 'PUT', `/dav/f${file}.txt`, { body: 'x' })).status, 201);
          for (let i = 0; i < 4; i++) {
            const reply = await dav(server, account, 'PROPPATCH', file === 0 ? '/dav/one.txt' : `/dav/f${file}.txt`, {
              body: setProperties(1, 60 * 1024, i),
            });
            const [status] = statuses(reply);
            if (status === '200') accepted++;
            else assert.equal(status, '507');
          }
        }
        // 16 values of 60 KiB (983 040 characters and their names) fit in 1 000 000 bytes; the 17th does not.
        assert.equal(accepted, 16);
        const upload = await dav(server, account, 'PUT', '/dav/more.bin', { body: Buffer.alloc(20_000, 1) });
        assert.equal(upload.status, 507, upload.text);
      });

      it('refuses with 507 a COPY whose properties do not fit, and copies nothing', async () => {
        const account = await accountWithFile();
        for (let i = 0; i < 4; i++) {
          const reply = await dav(server, account, 'PROPPATCH', '/dav/one.txt', { body: setProperties(1, 60 * 1024, i) });
          assert.deepEqual(statuses(reply), ['200']);
        }
        // Each copy takes the file and its 245 788 characters of properties: three fit beside the original, not four.
        for (let copy = 0; copy < 4; copy++) {
          const reply = await dav(server, account, 'COPY', '/dav/one.txt', { headers: { destination: `/dav/copy-${copy}.txt` } });
          if (copy < 3) assert.equal(reply.status, 201, `copy ${copy}: ${reply.text}`);
          else assert.equal(reply.status, 507, `copy ${copy}: ${reply.text}`);
        }
        assert.equal((await dav(server, account, 'GET', '/dav/copy-3.txt')).status, 404);
      });
    });
  });
}
