/**
 * Lock timeouts on /dav/ (RFC 4918 §6.6, §10.7), on SQLite and PostgreSQL,
 * with a ManualClock: a lock holds for the seconds it was granted and lapses
 * after them, a refresh starts its time again, and the granted time is
 * capped at a week (an `Infinite` request included). Litmus never waits for
 * a lock to lapse, so this is the only proof of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, ManualClock, startServer, type TestServer } from '../helpers/server.js';
import { dav, davAccount, type DavAccount } from '../helpers/dav.js';

const EXCLUSIVE_LOCK =
  '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  '<D:locktype><D:write/></D:locktype><D:owner>lock-timeouts test</D:owner></D:lockinfo>';
const WEEK_SECONDS = 7 * 24 * 3600;

for (const dialect of DIALECTS) {
  describe(`lock timeouts on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    const clock = new ManualClock();

    before(async () => {
      server = await startServer({ dialect, clock });
      alice = await davAccount(server, 'alice');
    });
    after(() => server.close());

    async function lock(target: string, timeout: string): Promise<{ token: string; granted: string }> {
      const reply = await dav(server, alice, 'LOCK', target, { headers: { timeout }, body: EXCLUSIVE_LOCK });
      assert.equal(reply.status, 201, reply.text);
      return { token: String(reply.headers['lock-token']), granted: /<D:timeout>([^<]+)<\/D:timeout>/.exec(reply.text)![1]! };
    }

    function putWithoutToken(target: string): Promise<number> {
      return dav(server, alice, 'PUT', target, { body: 'written without the token' }).then((reply) => reply.status);
    }

    it('holds a lock for the seconds granted, then lets it lapse: a write without the token is refused, then accepted', async () => {
      const { granted } = await lock('/dav/report.txt', 'Second-60');
      assert.equal(granted, 'Second-60');
      assert.equal(await putWithoutToken('/dav/report.txt'), 423);
      clock.advance(59_000);
      assert.equal(await putWithoutToken('/dav/report.txt'), 423, 'still locked one second before it lapses');
      clock.advance(2_000);
      assert.equal(await putWithoutToken('/dav/report.txt'), 204, 'the lapsed lock no longer stops a write');
      const discovery = await dav(server, alice, 'PROPFIND', '/dav/report.txt', {
        headers: { depth: '0' },
        body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
      });
      assert.equal(discovery.status, 207);
      assert.doesNotMatch(discovery.text, /activelock/, 'a lapsed lock is not reported');
    });

    it('starts the time of a refreshed lock again from the refresh', async () => {
      const { token } = await lock('/dav/draft.txt', 'Second-60');
      clock.advance(50_000);
      const refresh = await dav(server, alice, 'LOCK', '/dav/draft.txt', {
        headers: { timeout: 'Second-60', if: `(${token})` },
      });
      assert.equal(refresh.status, 200, refresh.text);
      clock.advance(50_000);
      assert.equal(await putWithoutToken('/dav/draft.txt'), 423, '100 s after the lock, 50 s after its refresh');
      clock.advance(11_000);
      assert.equal(await putWithoutToken('/dav/draft.txt'), 204);
    });

    it('grants at most a week, also to a client asking for Infinite', async () => {
      for (const [target, asked] of [
        ['/dav/forever.txt', 'Infinite'],
        ['/dav/long.txt', 'Second-999999999'],
      ] as const) {
        const { granted } = await lock(target, asked);
        assert.equal(granted, `Second-${WEEK_SECONDS}`, asked);
      }
      clock.advance(WEEK_SECONDS * 1000 - 1_000);
      assert.equal(await putWithoutToken('/dav/forever.txt'), 423);
      clock.advance(2_000);
      assert.equal(await putWithoutToken('/dav/forever.txt'), 204);
      assert.equal(await putWithoutToken('/dav/long.txt'), 204);
    });
  });
}
