/**
 * cadaver (Debian `cadaver`), a scripted interactive WebDAV client, with an
 * app password from ~/.netrc: mkcol, put, get, lock, unlock, propset and
 * propget, each reported as succeeded, the file read back byte for byte.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DIALECTS, tempDir, type TestServer } from '../helpers/server.js';
import { dav, requireTool, startDavServer, type DavAccount } from '../helpers/dav.js';

const run = promisify(execFile);

for (const dialect of DIALECTS) {
  describe(`cadaver on ${dialect}`, () => {
    let server: TestServer;
    let alice: DavAccount;
    let work: string;
    before(async () => {
      ({ server, alice } = await startDavServer(dialect));
      work = tempDir('sesame-cadaver-');
    });
    after(async () => {
      await server.close();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('creates a folder, uploads, downloads, locks, unlocks, sets and reads a property', async () => {
      requireTool('/usr/bin/cadaver', 'cadaver');
      const home = path.join(work, 'home');
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(home, '.netrc'), `machine 127.0.0.1\nlogin ${alice.username}\npassword ${alice.password}\n`, {
        mode: 0o600,
      });
      const content = 'Bonjour, été ☀\n'.repeat(1000);
      fs.writeFileSync(path.join(work, 'local.txt'), content);
      fs.writeFileSync(
        path.join(work, 'script.rc'),
        [
          'mkcol folder',
          'cd folder',
          'put local.txt remote.txt',
          'get remote.txt got.txt',
          'lock remote.txt',
          'unlock remote.txt',
          'propset remote.txt color blue',
          'propget remote.txt color',
          'quit',
          '',
        ].join('\n'),
      );
      const { stdout } = await run('/usr/bin/cadaver', ['-t', '-r', 'script.rc', `${server.url}/dav/`], {
        cwd: work,
        env: { ...process.env, HOME: home },
        timeout: 60_000,
      });
      for (const step of [
        "Creating `folder'",
        'Uploading local.txt',
        'Downloading',
        "Locking `remote.txt'",
        "Unlocking `remote.txt'",
        "Setting property on `remote.txt'",
      ]) {
        assert.match(stdout, new RegExp(`${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*succeeded`), stdout);
      }
      assert.match(stdout, /Value of color is: blue/, stdout);
      assert.equal(fs.readFileSync(path.join(work, 'got.txt'), 'utf8'), content);
      assert.equal((await dav(server, alice, 'GET', '/dav/folder/remote.txt')).text, content);
    });
  });
}
