/**
 * The Nextcloud-compatible surface that needs no files, over real HTTP on
 * SQLite and PostgreSQL, checked against the requests the real clients
 * send (docs/clients.md; the research notes' recorded sequences):
 * `/status.php` public and always 200; `cloud/capabilities`, `cloud/user`
 * and `cloud/users/<id>` in the OCS envelope of each version and format;
 * `OCS-APIRequest` required as Nextcloud requires it; `core/getapppassword`
 * refused to app passwords and `DELETE core/apppassword` revoking the
 * caller's own; Sésame's own errors (401, 429, 503) in the envelope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { updatePolicy } from '../../src/policy/policy.js';
import { SURFACES } from '../../src/surfaces/registry.js';
import { DIALECTS, ManualClock, addUser, startServer, type TestServer } from '../helpers/server.js';
import { davAccount, rawRequest, type DavAccount } from '../helpers/dav.js';
import { freshIp } from '../api/support.js';
import { CLOUD_FILELINK_AGENT, NEXTCLOUDCMD_HEADERS, asXmlText, json, ocs, readOcsXml } from './support.js';

const CHALLENGE = 'Basic realm="Sesame", charset="UTF-8"';
const ADMIN_ACTOR = { userId: null, name: 'test', ip: '', client: '' };

const STATUS = {
  installed: true,
  maintenance: false,
  needsDbUpgrade: false,
  version: '32.0.0.0',
  versionstring: '32.0.0',
  edition: '',
  productname: 'Sésame',
  extendedSupport: false,
};

async function secondPassword(server: TestServer, account: DavAccount, application: string | null, name: string) {
  const { secret } = await createAppPassword(
    server.server.services,
    account.userId,
    { name, application },
    { userId: account.userId, name: account.username, ip: '127.0.0.1', client: '' },
    'cli',
  );
  return { ...account, password: secret };
}

for (const dialect of DIALECTS) {
  describe(`the OCS API and /status.php, on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;

    before(async () => {
      server = await startServer({
        dialect,
        clock: new ManualClock(),
        databaseLimits: {
          acquireMs: 2_000,
          lockWaitMs: 1_500,
          statementMs: 8_000,
          idleInTransactionMs: 8_000,
          answerGraceMs: 2_000,
        },
      });
      alice = await davAccount(server, 'alice', 'sync');
    });
    after(() => server.close());

    it('answers GET /status.php 200 with the status document, with a right, a wrong or no Basic header', async () => {
      const headerSets: Record<string, string>[] = [
        {},
        { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
        { authorization: 'Basic !!!' },
      ];
      for (const headers of headerSets) {
        const reply = await rawRequest(server, null, 'GET', '/status.php', { headers, from: freshIp() });
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(reply.headers['www-authenticate'], undefined);
        assert.equal(reply.headers['access-control-allow-origin'], '*');
        assert.deepEqual(json(reply), STATUS);
      }
      assert.equal((await rawRequest(server, alice, 'GET', '/status.php')).status, 200);
      assert.equal((await rawRequest(server, null, 'HEAD', '/status.php')).status, 200);
    });

    it("replays nextcloudcmd 3.7.3's sequence: status.php, capabilities and user over OCS v1 in JSON", async () => {
      const call = { headers: NEXTCLOUDCMD_HEADERS };
      const status = await rawRequest(server, alice, 'GET', '/status.php', call);
      assert.equal(status.status, 200);
      assert.ok(Number(json(status).version.split('.')[0]) >= 32);

      const capabilities = await ocs(server, alice, '/ocs/v1.php/cloud/capabilities?format=json', call);
      assert.equal(capabilities.status, 200, capabilities.text);
      const { meta, data } = json(capabilities).ocs;
      assert.deepEqual(meta, { status: 'ok', statuscode: 100, message: 'OK', totalitems: '', itemsperpage: '' });
      assert.deepEqual(data.version, { major: 32, minor: 0, micro: 0, string: '32.0.0', edition: '', extendedSupport: false });
      assert.deepEqual(data.capabilities.core, { pollinterval: 60, 'webdav-root': 'remote.php/webdav', status: STATUS });

      const user = await ocs(server, alice, '/ocs/v1.php/cloud/user?format=json', call);
      assert.equal(user.status, 200, user.text);
      assert.equal(json(user).ocs.meta.statuscode, 100);
      // data.id is the DAV user: the client's next request is PROPFIND /remote.php/dav/files/alice/.
      assert.equal(json(user).ocs.data.id, 'alice');
    });

    it('advertises only what is served: no chunking or sharing before their surfaces, never bulk upload without its route', async () => {
      const { capabilities } = json(await ocs(server, alice, '/ocs/v2.php/cloud/capabilities?format=json')).ocs.data;
      assert.ok('core' in capabilities);
      assert.equal('dav' in capabilities, SURFACES.sync.served, 'dav (chunking) is advertised exactly when the files are served');
      assert.equal('files_sharing' in capabilities, SURFACES.shares.served, 'files_sharing exactly when the share API is served');
      const bulk = server.server.app.hasRoute({ method: 'POST', url: '/remote.php/dav/bulk' });
      assert.equal(capabilities.dav?.bulkupload !== undefined, bulk, 'dav.bulkupload only with POST /remote.php/dav/bulk');
    });

    it('gives capabilities in both versions and both formats, by format= or by Accept, XML by default', async () => {
      const expected = json(await ocs(server, alice, '/ocs/v2.php/cloud/capabilities?format=json')).ocs.data;
      for (const version of [1, 2] as const) {
        const ok =
          version === 1 ? { statuscode: 100, extra: { totalitems: '', itemsperpage: '' } } : { statuscode: 200, extra: {} };
        const meta = { status: 'ok', statuscode: ok.statuscode, message: 'OK', ...ok.extra };
        const path = `/ocs/v${version}.php/cloud/capabilities`;
        for (const [query, accept, format] of [
          ['?format=json', undefined, 'json'],
          ['', 'application/json', 'json'],
          ['?format=xml', 'application/json', 'xml'],
          ['', undefined, 'xml'],
          ['', 'text/html,application/xhtml+xml', 'xml'],
        ] as const) {
          const reply = await ocs(server, alice, `${path}${query}`, { headers: accept ? { accept } : {} });
          const what = `v${version} ${query} ${accept ?? ''}`;
          assert.equal(reply.status, 200, what);
          if (format === 'json') {
            assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8', what);
            assert.deepEqual(json(reply).ocs, { meta, data: expected }, what);
          } else {
            assert.equal(reply.headers['content-type'], 'application/xml; charset=utf-8', what);
            assert.match(reply.text, /^<\?xml version="1\.0"\?>\n<ocs>\n <meta>\n {2}<status>ok<\/status>\n/, what);
            assert.deepEqual(readOcsXml(reply.text), { ocs: asXmlText({ meta, data: expected }) }, what);
          }
        }
      }
    });

    it("answers cloud/user with the caller's id, display name, e-mail and quota, from the policy and the space", async () => {
      const unlimited = json(await ocs(server, alice, '/ocs/v2.php/cloud/user?format=json')).ocs.data;
      assert.deepEqual(unlimited, {
        enabled: true,
        id: 'alice',
        displayname: 'alice',
        'display-name': 'alice',
        email: null,
        quota: { free: -3, used: 0, total: -3, relative: 0, quota: -3 },
      });
      const drive = await secondPassword(server, alice, 'webdav', 'drive');
      assert.equal((await rawRequest(server, drive, 'PUT', '/dav/report.bin', { body: Buffer.alloc(1_000, 7) })).status, 201);
      await updatePolicy(server.server.services, { storageQuotaBytes: 8_000 }, ADMIN_ACTOR);
      try {
        for (const version of [1, 2]) {
          const reply = await ocs(server, alice, `/ocs/v${version}.php/cloud/user`, { headers: { accept: 'application/xml' } });
          const data = readOcsXml(reply.text) as { ocs: { data: { quota: unknown } } };
          assert.deepEqual(
            data.ocs.data.quota,
            asXmlText({ free: 7_000, used: 1_000, total: 8_000, relative: 12.5, quota: 8_000 }),
          );
        }
      } finally {
        await updatePolicy(server.server.services, { storageQuotaBytes: 0 }, ADMIN_ACTOR);
      }
    });

    it("answers cloud/users/<id> for the caller's own id, and the same not-found for another's, existing or not", async () => {
      await addUser(server, 'bob');
      const own = await ocs(server, alice, '/ocs/v1.php/cloud/users/ALICE?format=json');
      assert.equal(own.status, 200);
      assert.equal(json(own).ocs.data.id, 'alice');
      for (const other of ['bob', 'nobody-here']) {
        const v1 = await ocs(server, alice, `/ocs/v1.php/cloud/users/${other}?format=json`);
        assert.equal(v1.status, 200);
        assert.deepEqual(json(v1).ocs, {
          meta: { status: 'failure', statuscode: 998, message: 'User does not exist', totalitems: '', itemsperpage: '' },
          data: [],
        });
        const v2 = await ocs(server, alice, `/ocs/v2.php/cloud/users/${other}?format=json`);
        assert.equal(v2.status, 404);
        assert.deepEqual(json(v2).ocs.meta, { status: 'failure', statuscode: 998, message: 'User does not exist' });
      }
    });

    it('requires OCS-APIRequest: true of an authenticated call (412), after authentication (401 first)', async () => {
      for (const path of ['/ocs/v1.php/cloud/user?format=json', '/ocs/v2.php/cloud/capabilities?format=json']) {
        for (const header of [undefined, 'false', 'TRUE', '1']) {
          const reply = await ocs(server, alice, path, {
            ocsApiRequest: false,
            headers: header ? { 'ocs-apirequest': header } : {},
          });
          assert.equal(reply.status, 412, `${path} ${header}`);
          assert.equal(json(reply).ocs.meta.statuscode, 412);
        }
        const wrong = await ocs(server, { ...alice, password: 'wrong' }, path, { ocsApiRequest: false, from: freshIp() });
        assert.equal(wrong.status, 401);
      }
    });

    it('refuses with the uniform 401 in the envelope, with the Basic challenge, whatever was wrong', async () => {
      const replies = [
        await ocs(server, { ...alice, password: 'not-the-secret' }, '/ocs/v1.php/cloud/user?format=json', { from: freshIp() }),
        await ocs(server, { ...alice, username: 'nobody' }, '/ocs/v1.php/cloud/user?format=json', { from: freshIp() }),
        await ocs(server, null, '/ocs/v1.php/cloud/user?format=json', { from: freshIp() }),
      ];
      for (const reply of replies) {
        assert.equal(reply.status, 401);
        assert.equal(reply.headers['www-authenticate'], CHALLENGE);
        assert.equal(json(reply).ocs.meta.statuscode, 997);
        assert.equal(reply.text, replies[0]!.text);
      }
      const v2xml = await ocs(server, null, '/ocs/v2.php/cloud/capabilities', { from: freshIp() });
      assert.equal(v2xml.status, 401);
      assert.match(v2xml.text, /<statuscode>997<\/statuscode>/);
    });

    it('answers a path no OCS route serves with the OCS 404 (998) in both versions, without authentication', async () => {
      for (const path of ['/ocs/v1.php/cloud/nothing?format=json', '/ocs/v2.php/apps/nothing/api/v1/x?format=json']) {
        const reply = await ocs(server, null, path);
        assert.equal(reply.status, 404, path);
        assert.equal(json(reply).ocs.meta.statuscode, 998);
      }
    });

    it("puts the framework's refusals in the envelope too: a malformed URL, a body too large", async () => {
      const badUrl = await ocs(server, alice, '/ocs/v2.php/cloud/%ZZ?format=json');
      assert.equal(badUrl.status, 400);
      assert.equal(json(badUrl).ocs.meta.statuscode, 400);
      const tooLarge = await ocs(server, alice, '/ocs/v1.php/core/apppassword?format=json', {
        method: 'DELETE',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '20002' },
        body: `a=${'x'.repeat(20_000)}`,
      });
      assert.equal(tooLarge.status, 413);
      assert.equal(json(tooLarge).ocs.meta.statuscode, 413);
      // Nothing was deleted.
      assert.equal((await ocs(server, alice, '/ocs/v2.php/cloud/user')).status, 200);
    });

    it('refuses getapppassword to an app password: v1 HTTP 200 with statuscode 403, v2 HTTP 403', async () => {
      const v1 = await ocs(server, alice, '/ocs/v1.php/core/getapppassword?format=json');
      assert.equal(v1.status, 200);
      assert.deepEqual(json(v1).ocs, {
        meta: {
          status: 'failure',
          statuscode: 403,
          message: 'You cannot request a new app password with an app password.',
          totalitems: '',
          itemsperpage: '',
        },
        data: [],
      });
      const v2 = await ocs(server, alice, '/ocs/v2.php/core/getapppassword', { headers: { accept: 'application/json' } });
      assert.equal(v2.status, 403);
      assert.equal(json(v2).ocs.meta.statuscode, 403);
    });

    it("refuses getapppassword to the account's own password too, where the policy accepts it over Basic", async () => {
      const carol = await addUser(server, 'carol');
      await updatePolicy(server.server.services, { allowPrimaryPasswordOverBasic: true }, ADMIN_ACTOR);
      try {
        const own = { userId: carol.id, username: 'carol', password: 'correct horse battery' };
        const reply = await ocs(server, own, '/ocs/v2.php/core/getapppassword?format=json');
        assert.equal(reply.status, 403, reply.text);
        const remove = await ocs(server, own, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE' });
        assert.equal(remove.status, 403);
      } finally {
        await updatePolicy(server.server.services, { allowPrimaryPasswordOverBasic: false }, ADMIN_ACTOR);
      }
    });

    it("deletes the caller's own app password on DELETE core/apppassword: audited, refused at the next request, others kept", async () => {
      const client = await secondPassword(server, alice, 'sync', 'laptop to remove');
      const other = await secondPassword(server, alice, 'outlook', 'outlook kept');
      assert.equal((await ocs(server, client, '/ocs/v2.php/cloud/user')).status, 200);
      const reply = await ocs(server, client, '/ocs/v2.php/core/apppassword?format=json', {
        method: 'DELETE',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'laptop (Desktop Client - Linux)' },
      });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(json(reply).ocs, { meta: { status: 'ok', statuscode: 200, message: 'OK' }, data: [] });
      const next = await ocs(server, client, '/ocs/v2.php/cloud/user?format=json');
      assert.equal(next.status, 401);
      assert.equal((await ocs(server, other, '/ocs/v2.php/cloud/user')).status, 200);
      const audit = await server.server.services.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'app-password.deleted')
        .where('target', '=', 'laptop to remove')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor, 'alice');
      assert.equal(audit[0]!.client, 'laptop (Desktop Client - Linux)');
    });

    it('puts throttling in the envelope: 429 with Retry-After in both versions', async () => {
      const from = freshIp();
      const wrong = { ...alice, password: 'guess' };
      for (let attempt = 1; attempt <= 5; attempt++) {
        assert.equal((await ocs(server, wrong, '/ocs/v1.php/cloud/user?format=json', { from })).status, 401);
      }
      for (const version of [1, 2]) {
        const reply = await ocs(server, wrong, `/ocs/v${version}.php/cloud/user?format=json`, { from });
        assert.equal(reply.status, 429, reply.text);
        assert.ok(Number(reply.headers['retry-after']) >= 1);
        assert.equal(json(reply).ocs.meta.statuscode, 429);
        assert.equal(json(reply).ocs.meta.status, 'failure');
      }
    });

    it('puts an unavailable database in the envelope: 503 with Retry-After in both versions', async () => {
      const doomed = [
        await secondPassword(server, alice, 'sync', 'held 1'),
        await secondPassword(server, alice, 'sync', 'held 2'),
      ];
      for (const account of doomed) assert.equal((await ocs(server, account, '/ocs/v2.php/cloud/user')).status, 200);
      const held = await holdAppPasswordsLock(server);
      try {
        for (const version of [1, 2]) {
          // A write that waits for the lock past the limit.
          const reply = await ocs(server, doomed[version - 1]!, `/ocs/v${version}.php/core/apppassword?format=json`, {
            method: 'DELETE',
          });
          assert.equal(reply.status, 503, reply.text);
          assert.ok(Number(reply.headers['retry-after']) >= 1);
          assert.equal(json(reply).ocs.meta.statuscode, 503);
        }
      } finally {
        await held.release();
      }
      // Nothing was deleted: the passwords still work.
      for (const account of doomed) assert.equal((await ocs(server, account, '/ocs/v2.php/cloud/user')).status, 200);
    });

    it("replays *cloud FileLink's account check over OCS v1 with an outlook password", async () => {
      const mail = await secondPassword(server, alice, 'outlook', 'thunderbird filelink');
      const headers = { 'user-agent': CLOUD_FILELINK_AGENT, 'ocs-apirequest': 'true' };
      const user = await ocs(server, mail, '/ocs/v1.php/cloud/user?format=json', { headers, ocsApiRequest: false });
      assert.equal(json(user).ocs.meta.statuscode, 100);
      assert.match(json(user).ocs.data.id, /^[a-zA-Z0-9 _.@\-']+$/);
      const capabilities = json(await ocs(server, mail, '/ocs/v1.php/cloud/capabilities?format=json', { headers })).ocs.data;
      assert.ok(capabilities.version.major >= 11);
      assert.equal(capabilities.capabilities.core.status.productname, 'Sésame');
      // On Save it asks to swap its password for a new one: statuscode 403 keeps the one it has.
      const swap = await ocs(server, mail, '/ocs/v1.php/core/getapppassword?format=json', { headers });
      assert.equal(swap.status, 200);
      assert.equal(json(swap).ocs.meta.statuscode, 403);
    });

    it("replays NC Connector for Thunderbird's check: OCS v2 chosen JSON by Accept alone", async () => {
      const mail = await secondPassword(server, alice, 'outlook', 'nc connector');
      const headers = { accept: 'application/json' };
      const capabilities = await ocs(server, mail, '/ocs/v2.php/cloud/capabilities', { headers });
      assert.equal(capabilities.status, 200);
      const version = json(capabilities).ocs.data.version;
      assert.ok(Number(version.string.split('.')[0]) >= 32);
      const user = await ocs(server, mail, '/ocs/v2.php/cloud/user', { headers });
      assert.equal(user.status, 200);
      assert.deepEqual([json(user).ocs.meta.statuscode, json(user).ocs.data.id], [200, 'alice']);
    });
  });
}

/** Another client of the database holds a lock on every app password (psql's `FOR UPDATE`; sqlite3's `BEGIN IMMEDIATE`). */
async function holdAppPasswordsLock(server: TestServer): Promise<{ release(): Promise<void> }> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM app_passwords FOR UPDATE');
    return {
      async release() {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }
  const file = new SqliteDatabase(path.join(server.dataDir, 'sesame.db'));
  file.exec('BEGIN IMMEDIATE');
  return {
    async release() {
      file.exec('COMMIT');
      file.close();
    },
  };
}
