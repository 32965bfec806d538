/**
 * Several server nodes on one PostgreSQL database with one shared key
 * (the deployment past one machine): what one node does — create, delete, change a password,
 * throttle an address, disable a user or enable them again, sign in — holds
 * on the other at the very next request; and a node holding a different key
 * refuses to start, saying so without revealing any key.
 */
import crypto from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, addUser, createPostgresDatabase, startServer, type TestServer } from '../helpers/server.js';
import { basic, request, signIn, type HttpReply, type Session } from '../helpers/http.js';
import { isSesameError } from '../../src/errors.js';

const PRIMARY = 'correct horse battery';
const WRONG = 'Wrong-secret-0000000000!';

describe('two server nodes sharing one PostgreSQL database and one key', () => {
  let databaseUrl: string;
  let secretKeyHex: string;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clock = new ManualClock();

  before(async () => {
    databaseUrl = await createPostgresDatabase();
    secretKeyHex = crypto.randomBytes(32).toString('hex');
    nodeA = await startServer({ dialect: 'postgres', databaseUrl, secretKeyHex, clock });
    nodeB = await startServer({ dialect: 'postgres', databaseUrl, secretKeyHex, clock });
  });
  after(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  function me(node: TestServer, username: string, secret: string, from?: string): Promise<HttpReply> {
    return request(node.url, '/api/v1/me', { headers: basic(username, secret), ...(from ? { from } : {}) });
  }

  async function createOn(session: Session, name: string): Promise<{ id: string; secret: string }> {
    const reply = await session.call('/api/v1/app-passwords', { method: 'POST', body: { name } });
    assert.equal(reply.status, 201, reply.text);
    return { id: reply.json.appPassword.id, secret: reply.json.password };
  }

  function assertRefused(reply: HttpReply): void {
    assert.equal(reply.status, 401, reply.text);
    assert.equal(reply.json.error.code, 'UNAUTHENTICATED');
  }

  it('accepts on node B a password created on node A', async () => {
    await addUser(nodeA, 'alice', PRIMARY);
    const session = await signIn(nodeA.url, 'alice', PRIMARY);
    const created = await createOn(session, 'Mon WebDAV');
    const reply = await me(nodeB, 'alice', created.secret);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.user.username, 'alice');
    assert.equal(reply.json.via, 'app-password');
  });

  it('refuses on node B, at the very next request, a password its owner deleted through node A', async () => {
    await addUser(nodeA, 'bruno', PRIMARY);
    const session = await signIn(nodeA.url, 'bruno', PRIMARY);
    const created = await createOn(session, 'Sync');
    assert.equal((await me(nodeB, 'bruno', created.secret)).status, 200);

    const deleted = await session.call(`/api/v1/app-passwords/${created.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204, deleted.text);
    assertRefused(await me(nodeB, 'bruno', created.secret));
  });

  it("refuses on node B a user's app passwords once the user changed the primary password on node A", async () => {
    await addUser(nodeA, 'chloe', PRIMARY);
    const session = await signIn(nodeA.url, 'chloe', PRIMARY);
    const first = await createOn(session, 'WebDAV');
    const second = await createOn(session, 'Outlook');
    assert.equal((await me(nodeB, 'chloe', first.secret)).status, 200);
    assert.equal((await me(nodeB, 'chloe', second.secret)).status, 200);

    const changed = await session.call('/api/v1/me/password', {
      method: 'PUT',
      body: { currentPassword: PRIMARY, newPassword: 'a brand new passphrase' },
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.revokedAppPasswords, 2);
    assertRefused(await me(nodeB, 'chloe', first.secret));
    assertRefused(await me(nodeB, 'chloe', second.secret));
  });

  it('answers 429 on node B for an address throttled on node A, and lets the owner in from elsewhere', async () => {
    await addUser(nodeA, 'david', PRIMARY);
    const session = await signIn(nodeA.url, 'david', PRIMARY);
    const created = await createOn(session, 'WebDAV');

    let reply = await me(nodeA, 'david', WRONG, '127.0.0.2');
    for (let i = 0; reply.status === 401 && i < 20; i++) reply = await me(nodeA, 'david', WRONG, '127.0.0.2');
    assert.equal(reply.status, 429, `node A throttles the address: ${reply.text}`);

    const onB = await me(nodeB, 'david', created.secret, '127.0.0.2');
    assert.equal(onB.status, 429, onB.text);
    assert.equal(onB.json.error.code, 'THROTTLED');
    assert.match(String(onB.headers['retry-after']), /^[1-9]\d*$/);

    const elsewhere = await me(nodeB, 'david', created.secret, '127.0.0.3');
    assert.equal(elsewhere.status, 200, elsewhere.text);
  });

  it('refuses on node B the app passwords and sessions of a user disabled on node A', async () => {
    const emma = await addUser(nodeA, 'emma', PRIMARY);
    await addUser(nodeA, 'root', PRIMARY, 'admin');
    const emmaSession = await signIn(nodeA.url, 'emma', PRIMARY);
    const created = await createOn(emmaSession, 'WebDAV');
    assert.equal((await me(nodeB, 'emma', created.secret)).status, 200);
    assert.equal((await request(nodeB.url, '/api/v1/me', { headers: { cookie: emmaSession.cookie } })).status, 200);

    const admin = await signIn(nodeA.url, 'root', PRIMARY);
    const disabled = await admin.call(`/api/v1/admin/users/${emma.id}/disable`, { method: 'POST' });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json.user.disabled, true);

    assertRefused(await me(nodeB, 'emma', created.secret));
    assertRefused(await request(nodeB.url, '/api/v1/me', { headers: { cookie: emmaSession.cookie } }));
  });

  it('accepts again on node B, at the next request, the app password of a user enabled again on node A', async () => {
    const gaby = await addUser(nodeA, 'gaby', PRIMARY);
    const created = await createOn(await signIn(nodeA.url, 'gaby', PRIMARY), 'WebDAV');
    assert.equal((await me(nodeB, 'gaby', created.secret)).status, 200);
    const admin = await signIn(nodeA.url, 'root', PRIMARY);
    assert.equal((await admin.call(`/api/v1/admin/users/${gaby.id}/disable`, { method: 'POST' })).status, 200);
    assertRefused(await me(nodeB, 'gaby', created.secret));

    const enabled = await admin.call(`/api/v1/admin/users/${gaby.id}/enable`, { method: 'POST' });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.json.user.disabled, false);
    const onB = await me(nodeB, 'gaby', created.secret);
    assert.equal(onB.status, 200, onB.text);
    assert.equal(onB.json.user.username, 'gaby');
    assert.equal((await me(nodeB, 'gaby', created.secret)).status, 200);
    assert.equal((await admin.call(`/api/v1/admin/users/${gaby.id}/disable`, { method: 'POST' })).status, 200);
    assertRefused(await me(nodeB, 'gaby', created.secret));
  });

  it('accepts on node B a web session created on node A, CSRF token included', async () => {
    await addUser(nodeA, 'fanny', PRIMARY);
    const session = await signIn(nodeA.url, 'fanny', PRIMARY);
    const onB = await request(nodeB.url, '/api/v1/me', { headers: { cookie: session.cookie } });
    assert.equal(onB.status, 200, onB.text);
    assert.equal(onB.json.user.username, 'fanny');
    assert.equal(onB.json.via, 'session');

    const created = await request(nodeB.url, '/api/v1/app-passwords', {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: { name: 'Created on B' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((await me(nodeA, 'fanny', created.json.password)).status, 200);
  });

  it('refuses to start a third node whose key differs, saying the key does not match and showing no key', async () => {
    const otherKeyHex = crypto.randomBytes(32).toString('hex');
    const fingerprintBefore = await nodeA.server.services.db.selectFrom('meta').selectAll().orderBy('key').execute();

    await assert.rejects(
      startServer({ dialect: 'postgres', databaseUrl, secretKeyHex: otherKeyHex, clock }),
      (error: unknown) => {
        assert.ok(isSesameError(error, 'SECRET_KEY_MISMATCH'), `expected SECRET_KEY_MISMATCH, got ${String(error)}`);
        assert.match(error.message, /key/i);
        assert.match(error.message, /not the key|does not match|doesn't match|mismatch/i);
        for (const hex of [secretKeyHex, otherKeyHex]) {
          assert.ok(!error.message.toLowerCase().includes(hex), 'the message holds no key');
          assert.ok(!error.message.toLowerCase().includes(hex.slice(0, 16)), 'the message holds no part of a key');
        }
        return true;
      },
    );

    assert.deepEqual(await nodeA.server.services.db.selectFrom('meta').selectAll().orderBy('key').execute(), fingerprintBefore);
    // The running nodes are unaffected.
    assert.equal((await request(nodeB.url, '/api/v1/me', { headers: basic('alice', WRONG) })).status, 401);
  });
});
