/**
 * The Debian packages the suite needs, listed in test/debian-packages.txt
 * (a package name, then a path glob that exists once it is installed):
 * which are missing here, and how `npm test` brings them. As root it runs
 * `apt-get update`, then installs exactly the missing packages (PostgreSQL
 * without the default cluster its package would create and start);
 * otherwise it stops with the one command to run. It never removes or
 * upgrades a package, and never installs one that is present.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { globSync } from 'tinyglobby';

export interface DebianPackage {
  name: string;
  /** A path glob that matches once the package is installed. */
  probe: string;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Lines `package path-glob`; `#` starts a comment. A malformed line is an error naming it. */
export function parsePackageList(text: string, source = 'test/debian-packages.txt'): DebianPackage[] {
  const packages: DebianPackage[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [name, probe, ...rest] = line.split(/\s+/);
    if (!name || !PACKAGE_NAME.test(name) || !probe?.startsWith('/') || rest.length > 0) {
      throw new Error(`${source}:${index + 1}: expected "package /path/glob", got "${raw.trim()}".`);
    }
    packages.push({ name, probe });
  });
  return packages;
}

export function pathExists(glob: string): boolean {
  return globSync([glob], { absolute: true, onlyFiles: false }).length > 0;
}

/** Package names whose probe path is absent, each once, in list order. */
export function missingPackages(packages: DebianPackage[], exists: (glob: string) => boolean = pathExists): string[] {
  return [...new Set(packages.filter((p) => !exists(p.probe)).map((p) => p.name))];
}

const APT_INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends'];
const CREATECLUSTER_CONF = '/etc/postgresql-common/createcluster.conf';

/**
 * The commands (argument vectors) that install `missing`. For PostgreSQL,
 * postgresql-common comes first and is told not to create the default
 * "main" cluster, so that no server is left running on port 5432 (the
 * suite starts its own throwaway cluster).
 */
export function installSteps(missing: string[]): string[][] {
  if (missing.length === 0) return [];
  const steps = [['apt-get', 'update']];
  if (missing.includes('postgresql')) {
    steps.push(
      [...APT_INSTALL, 'postgresql-common'],
      ['sed', '-ri', 's/^#?\\s*create_main_cluster\\s*=.*$/create_main_cluster = false/', CREATECLUSTER_CONF],
    );
  }
  steps.push([...APT_INSTALL, ...missing]);
  return steps;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The one command a non-root user runs to install `missing`. */
export function installCommandLine(missing: string[]): string {
  const script = installSteps(missing)
    .map((step) => step.map(shellQuote).join(' '))
    .join(' && ');
  return `sudo env DEBIAN_FRONTEND=noninteractive sh -c ${shellQuote(script)}`;
}

export interface EnsureOptions {
  packages: DebianPackage[];
  isRoot: boolean;
  exists?: (glob: string) => boolean;
  /** Runs one command; returns its exit code. */
  run?: (argv: string[]) => number;
  log?: (line: string) => void;
}

function runInherited(argv: string[]): number {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status ?? 1;
}

/** Installs what is missing (as root) or throws with the command to run. */
export function ensureDebianPackages(options: EnsureOptions): void {
  const exists = options.exists ?? pathExists;
  const log = options.log ?? ((line: string) => console.log(line));
  const missing = missingPackages(options.packages, exists);
  if (missing.length === 0) return;
  if (!options.isRoot) {
    throw new Error(
      `The test suite needs these Debian packages, which are not installed: ${missing.join(', ')}.\n` +
        `Install them with:\n\n    ${installCommandLine(missing)}\n\nthen run npm test again.`,
    );
  }
  log(`Installing the Debian packages the test suite needs: ${missing.join(', ')}`);
  for (const step of installSteps(missing)) {
    const code = (options.run ?? runInherited)(step);
    if (code !== 0) throw new Error(`${step.join(' ')} failed with exit code ${code}.`);
  }
  const still = missingPackages(options.packages, exists);
  if (still.length > 0) {
    throw new Error(`After installing, these packages still lack their files: ${still.join(', ')}.`);
  }
}

export function readPackageList(file: string): DebianPackage[] {
  return parsePackageList(fs.readFileSync(file, 'utf8'), file);
}
