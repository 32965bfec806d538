/**
 * How `npm test` brings the Debian packages the suite needs: the list's
 * parsing, which packages count as missing, the exact commands run as root
 * (PostgreSQL without its default cluster) and the one command shown to
 * anyone else. Nothing is installed or removed: the file system probe and
 * the command runner are stand-ins for these decisions only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ensureDebianPackages,
  installCommandLine,
  installSteps,
  missingPackages,
  parsePackageList,
  pathExists,
  readPackageList,
} from '../debian-packages.js';

const LIST = `# what the suite needs
postgresql /usr/lib/postgresql/*/bin/initdb
litmus   /usr/bin/litmus   # WebDAV compliance

rclone /usr/bin/rclone
`;

const installed = (present: string[]) => (glob: string) => present.includes(glob);

describe('the Debian package list', () => {
  it('reads one package and its probe path per line, skipping comments and blank lines', () => {
    assert.deepEqual(parsePackageList(LIST), [
      { name: 'postgresql', probe: '/usr/lib/postgresql/*/bin/initdb' },
      { name: 'litmus', probe: '/usr/bin/litmus' },
      { name: 'rclone', probe: '/usr/bin/rclone' },
    ]);
  });

  it('refuses a malformed line, naming the file and the line', () => {
    for (const bad of ['postgresql', 'postgresql relative/path', 'Bad_Name /usr/bin/x', 'a /x /y']) {
      assert.throws(() => parsePackageList(`# header\n${bad}\n`, 'list.txt'), {
        message: /^list\.txt:2: expected "package \/path\/glob"/,
      });
    }
  });

  it('is the committed test/debian-packages.txt, which lists postgresql', () => {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'debian-packages.txt');
    assert.ok(readPackageList(file).some((p) => p.name === 'postgresql'));
  });

  it('counts a package as missing when no path matches its probe glob', () => {
    assert.equal(pathExists('/usr/lib/postgresql/*/bin/initdb'), true, 'postgresql is installed on this machine');
    assert.equal(pathExists('/usr/lib/no-such-package-*/bin/x'), false);
    const packages = parsePackageList(LIST);
    assert.deepEqual(missingPackages(packages, installed(['/usr/bin/litmus'])), ['postgresql', 'rclone']);
    assert.deepEqual(missingPackages(packages, installed(packages.map((p) => p.probe))), []);
  });
});

describe('installing what is missing', () => {
  it('as root: apt-get update, then postgresql-common told not to create a cluster, then exactly the missing packages', () => {
    assert.deepEqual(installSteps(['postgresql', 'rclone']), [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'postgresql-common'],
      [
        'sed',
        '-ri',
        's/^#?\\s*create_main_cluster\\s*=.*$/create_main_cluster = false/',
        '/etc/postgresql-common/createcluster.conf',
      ],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'postgresql', 'rclone'],
    ]);
    assert.deepEqual(installSteps(['litmus']), [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'litmus'],
    ]);
    assert.deepEqual(installSteps([]), []);
  });

  it('as root: runs the steps in order and checks the probes again afterwards', () => {
    const present = new Set(['/usr/bin/litmus']);
    const ran: string[][] = [];
    ensureDebianPackages({
      packages: parsePackageList(LIST),
      isRoot: true,
      exists: (glob) => present.has(glob),
      run: (argv) => {
        ran.push(argv);
        if (argv[1] === 'install' && argv.includes('rclone')) {
          present.add('/usr/lib/postgresql/*/bin/initdb');
          present.add('/usr/bin/rclone');
        }
        return 0;
      },
      log: () => {},
    });
    assert.deepEqual(ran, installSteps(['postgresql', 'rclone']));
  });

  it('as root: fails with the failing command, or when a probe is still missing after the install', () => {
    const packages = parsePackageList('rclone /usr/bin/rclone\n');
    assert.throws(
      () =>
        ensureDebianPackages({
          packages,
          isRoot: true,
          exists: () => false,
          run: (argv) => (argv[1] === 'update' ? 100 : 0),
          log: () => {},
        }),
      { message: 'apt-get update failed with exit code 100.' },
    );
    assert.throws(() => ensureDebianPackages({ packages, isRoot: true, exists: () => false, run: () => 0, log: () => {} }), {
      message: /still lack their files: rclone/,
    });
  });

  it('not root: installs nothing and stops with the one command to run', () => {
    const ran: string[][] = [];
    assert.throws(
      () =>
        ensureDebianPackages({
          packages: parsePackageList(LIST),
          isRoot: false,
          exists: installed(['/usr/lib/postgresql/*/bin/initdb']),
          run: (argv) => (ran.push(argv), 0),
        }),
      (error: Error) => {
        assert.match(error.message, /not installed: litmus, rclone/);
        assert.ok(error.message.includes(installCommandLine(['litmus', 'rclone'])));
        return true;
      },
    );
    assert.deepEqual(ran, []);
    assert.equal(
      installCommandLine(['litmus', 'rclone']),
      "sudo env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update && apt-get install -y --no-install-recommends litmus rclone'",
    );
  });

  it('does nothing when every package is present', () => {
    const packages = parsePackageList(LIST);
    ensureDebianPackages({
      packages,
      isRoot: false,
      exists: () => true,
      run: () => assert.fail('nothing should run'),
    });
  });

  it('quotes the PostgreSQL step so that the printed command runs as shown', () => {
    const line = installCommandLine(['postgresql']);
    assert.ok(line.startsWith("sudo env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update && "));
    assert.ok(
      line.includes(
        "sed -ri '\\''s/^#?\\s*create_main_cluster\\s*=.*$/create_main_cluster = false/'\\'' /etc/postgresql-common/createcluster.conf",
      ),
    );
    assert.ok(line.endsWith("apt-get install -y --no-install-recommends postgresql'"));
  });
});
