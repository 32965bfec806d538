/**
 * The proxy story that test/ops/nginx.test.ts and test/ops/caddy.test.ts
 * both run against the configuration of deploy/: a self-signed certificate
 * made here (Debian's openssl), two `sesame serve` nodes on one PostgreSQL
 * database behind the proxy (PUBLIC_URL https, TRUST_PROXY naming the
 * proxy), a static site behind forward-auth, then real clients over https
 * through the proxy: the API and the client's own address, the browser
 * story with its Secure cookie, rclone, cadaver, forward-auth, and one node
 * killed while requests keep coming. Only the proxy differs between the two
 * files: each says how to start its own, on free loopback ports, from the
 * deploy/ file with its addresses, names and paths replaced (each
 * replacement must find its text, so the file cannot drift from the test).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ROOT } from '../helpers/build.js';
import { requireTool } from '../helpers/dav.js';
import { basic } from '../helpers/http.js';
import { freePort } from '../helpers/pg-cluster.js';
import { createPostgresDatabase, tempDir } from '../helpers/server.js';
import { startNode, type ServedNode } from '../helpers/served-node.js';
import { ensureWebBuild, launchBrowser } from '../helpers/browser.js';
import { accountButton } from '../web-interface/support.js';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';
const ADMIN_PASSWORD = /password\n\n\s+(\S+)/;

/** Replaces `from` by `to` in `text`, `count` times exactly: a deploy/ file that changed fails the test here. */
export function replaceExactly(text: string, from: string, to: string, count = 1): string {
  const found = text.split(from).length - 1;
  if (found !== count) throw new Error(`expected ${count} × ${JSON.stringify(from)} in the deploy file, found ${found}`);
  return text.split(from).join(to);
}

/** Replaces each occurrence of `from`, in order, by the next of `to`: exactly as many as `to` holds. */
export function replaceEach(text: string, from: string, to: readonly string[]): string {
  const parts = text.split(from);
  if (parts.length - 1 !== to.length)
    throw new Error(`expected ${to.length} × ${JSON.stringify(from)} in the deploy file, found ${parts.length - 1}`);
  return parts.reduce((joined, part, i) => joined + to[i - 1]! + part);
}

/** Starts a proxy process and waits until `url` answers over TLS; rejects with its output if it exits first. */
export async function startProxyProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
  ca: string,
): Promise<RunningProxy & { output(): string }> {
  let output = '';
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (const started = Date.now(); ; await sleep(100)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited:\n${output}`);
    if ((await httpsRequest(url, '/readyz', { ca }).catch(() => null)) !== null) return { stop, output: () => output };
    if (Date.now() - started > 30_000) {
      await stop();
      throw new Error(`${command} did not answer on ${url} within 30 s:\n${output}`);
    }
  }
}

export function readDeployFile(relative: string): string {
  return fs.readFileSync(path.join(ROOT, 'deploy', relative), 'utf8');
}

export interface Certificate {
  /** The certificate authority that signed `cert`: what clients are told to trust. */
  ca: string;
  cert: string;
  key: string;
}

/** A test CA and a certificate it signs for 127.0.0.1 and localhost (EC P-256, two days). */
export async function makeCertificate(dir: string): Promise<Certificate> {
  requireTool(OPENSSL, 'openssl');
  const file = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(OPENSSL, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Sesame test CA',
  ]);
  await run(OPENSSL, ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  fs.writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run(OPENSSL, [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('san.cnf'),
  ]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request over https, trusting the test CA, from a chosen loopback address. */
export function httpsRequest(
  base: string,
  target: string,
  options: { ca: string; method?: string; headers?: Record<string, string>; body?: string; from?: string },
): Promise<HttpsReply> {
  const url = new URL(target, base);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ca: fs.readFileSync(options.ca),
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** What the story gives a proxy to front. */
export interface ProxyPlan {
  dir: string;
  certificate: Certificate;
  /** host:port of each Sésame node. */
  nodes: [string, string];
  /** The loopback ports the proxy serves Sésame and the protected site on. */
  sesamePort: number;
  sitePort: number;
  /** The static site behind forward-auth. */
  siteRoot: string;
}

export interface RunningProxy {
  stop(): Promise<void>;
}

/** Runs the whole story through the proxy that `startProxy` starts. */
export function describeProxyStory(
  name: string,
  binary: string,
  debianPackage: string,
  startProxy: (plan: ProxyPlan) => Promise<RunningProxy>,
): void {
  describe(`Sésame behind ${name}: TLS, two nodes on one PostgreSQL, forward-auth`, () => {
    const dir = tempDir(`sesame-${name}-`);
    const key = crypto.randomBytes(32).toString('hex');
    let databaseUrl: string;
    let certificate: Certificate;
    let nodes: ServedNode[] = [];
    let proxy: RunningProxy | null = null;
    let base: string;
    let site: string;
    let adminPassword: string;
    /** Secrets created by the CLI, by application. */
    const secrets: Record<string, string> = {};

    const cli = async (...args: string[]): Promise<string> =>
      (
        await run(process.execPath, ['dist/cli/main.js', ...args], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: databaseUrl, SESAME_SECRET_KEY: key, DATA_DIR: path.join(dir, 'cli-data') },
        })
      ).stdout;
    const get = (
      target: string,
      options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
    ) => httpsRequest(base, target, { ca: certificate.ca, ...options });

    before(async () => {
      requireTool(binary, debianPackage);
      certificate = await makeCertificate(dir);
      const [sesamePort, sitePort] = [await freePort(), await freePort()];
      base = `https://127.0.0.1:${sesamePort}`;
      site = `https://127.0.0.1:${sitePort}`;
      databaseUrl = await createPostgresDatabase();
      // One database, and — until files live in a store every node reaches — one files directory.
      const dataDir = path.join(dir, 'data');
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        SESAME_SECRET_KEY: key,
        WORKERS: '1',
        LOG_LEVEL: 'info',
        PUBLIC_URL: base,
        TRUST_PROXY: '127.0.0.1',
      };
      nodes.push(await startNode({ env, ready: ADMIN_PASSWORD }));
      adminPassword = ADMIN_PASSWORD.exec(nodes[0]!.output())![1]!;
      nodes.push(await startNode({ env }));
      const siteRoot = path.join(dir, 'wiki');
      fs.mkdirSync(siteRoot);
      fs.writeFileSync(path.join(siteRoot, 'index.html'), "<!doctype html><title>Wiki</title><p>Le wiki de l'équipe</p>\n");
      proxy = await startProxy({
        dir,
        certificate,
        nodes: [`127.0.0.1:${nodes[0]!.port}`, `127.0.0.1:${nodes[1]!.port}`],
        sesamePort,
        sitePort,
        siteRoot,
      });
      for (const application of ['webdav', 'sync']) {
        const printed = await cli(
          'app-password',
          'create',
          '--user',
          'admin',
          '--name',
          `by the CLI for ${application}`,
          '--app',
          application,
        );
        secrets[application] = printed.trim().split('\n').at(-1)!;
      }
    });
    after(async () => {
      await proxy?.stop();
      for (const node of nodes) await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('serves the API and /readyz over https, and a node sees the client, not the proxy, as the address', async () => {
      const ready = await get('/readyz');
      assert.equal(ready.status, 200, ready.text);
      const refused = await get('/api/v1/me');
      assert.equal(refused.status, 401);
      const me = await get('/api/v1/me', {
        headers: { ...basic('admin', secrets.webdav!), 'user-agent': `through ${name}` },
        from: '127.0.0.5',
      });
      assert.equal(me.status, 200, me.text);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ ip: string }>('SELECT ip FROM connections WHERE client = $1', [`through ${name}`]);
        assert.deepEqual(
          rows.map((row) => row.ip),
          ['127.0.0.5'],
          'the address the client connected to the proxy from',
        );
      } finally {
        await client.end();
      }
    });

    it('signs in in the browser with a Secure __Host- cookie and creates an app password that a client then uses', async () => {
      await ensureWebBuild();
      const browser = await launchBrowser();
      try {
        const context = await browser.newContext({ locale: 'fr-FR', ignoreHTTPSErrors: true });
        const page = await context.newPage();
        page.setDefaultTimeout(30_000);
        await page.goto(`${base}/settings/connections/app-passwords`);
        await page.getByLabel("Nom d'utilisateur", { exact: true }).fill('admin');
        await page.getByLabel('Mot de passe', { exact: true }).fill(adminPassword);
        await page.getByRole('button', { name: 'Se connecter' }).click();
        await page.getByRole('button', { name: accountButton('admin') }).waitFor();
        const cookies = await context.cookies(base);
        const session = cookies.find((cookie) => cookie.name === '__Host-sesame_session');
        assert.ok(session, `cookies: ${cookies.map((cookie) => cookie.name).join(', ')}`);
        assert.equal(session.secure, true);
        assert.equal(session.httpOnly, true);
        assert.equal(session.path, '/');
        await page.getByRole('button', { name: "Créer un mot de passe d'application" }).click();
        const dialog = page.getByRole('dialog', { name: "Créer un mot de passe d'application" });
        await dialog.getByLabel('Nom de la connexion').fill(`Navigateur via ${name}`);
        await dialog.getByRole('button', { name: 'Générer' }).click();
        const secret = await dialog.getByLabel('Mot de passe', { exact: true }).inputValue();
        assert.equal([...secret].length, 24);
        const used = await get('/api/v1/forward-auth/webdav', { headers: basic('admin', secret) });
        assert.equal(used.status, 204, used.text);
        await context.close();
      } finally {
        await browser.close();
      }
    });

    it('lets rclone copy, check, move and purge a tree over https (a 20 MiB file, a Destination naming the https URL)', async () => {
      requireTool('/usr/bin/rclone', 'rclone');
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(path.join(tree, 'Été'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'Été', 'naïve.txt'), 'unicode\n');
      fs.writeFileSync(path.join(tree, 'big.bin'), crypto.randomBytes(20 * 1024 * 1024));
      const { stdout: obscured } = await run('/usr/bin/rclone', ['obscure', '--', secrets.webdav!]);
      const env = {
        ...process.env,
        RCLONE_CONFIG: path.join(dir, 'rclone.conf'),
        RCLONE_CONFIG_SES_TYPE: 'webdav',
        RCLONE_CONFIG_SES_URL: `${base}/dav/`,
        RCLONE_CONFIG_SES_VENDOR: 'other',
        RCLONE_CONFIG_SES_USER: 'admin',
        RCLONE_CONFIG_SES_PASS: obscured.trim(),
      };
      const rclone = async (...args: string[]) =>
        (await run('/usr/bin/rclone', ['--ca-cert', certificate.ca, ...args], { env, timeout: 90_000 })).stdout;
      await rclone('copy', tree, 'ses:up');
      await rclone('check', '--download', tree, 'ses:up');
      await rclone('moveto', 'ses:up', 'ses:moved');
      await rclone('check', '--download', tree, 'ses:moved');
      await rclone('purge', 'ses:moved');
      assert.doesNotMatch(await rclone('lsf', 'ses:'), /moved|up/);
    });

    it('lets cadaver create, upload, download, lock, move and set properties over https', async () => {
      requireTool('/usr/bin/cadaver', 'cadaver');
      const home = path.join(dir, 'home');
      fs.mkdirSync(home, { recursive: true });
      fs.writeFileSync(path.join(home, '.netrc'), `machine 127.0.0.1\nlogin admin\npassword ${secrets.webdav}\n`, {
        mode: 0o600,
      });
      const content = 'Bonjour, été ☀\n'.repeat(500);
      fs.writeFileSync(path.join(dir, 'local.txt'), content);
      fs.writeFileSync(
        path.join(dir, 'script.rc'),
        [
          'mkcol folder',
          'cd folder',
          'put local.txt remote.txt',
          'lock remote.txt',
          'unlock remote.txt',
          'move remote.txt moved.txt',
          'get moved.txt got.txt',
          'propset moved.txt color blue',
          'propget moved.txt color',
          'quit',
          '',
        ].join('\n'),
      );
      // cadaver (neon on GnuTLS) trusts only the system's authorities, and asks about any other certificate on a
      // terminal alone: it runs under `script`, a pseudo-terminal, and is answered yes.
      requireTool('/usr/bin/script', 'bsdutils');
      const command = ['/usr/bin/cadaver', '-t', '-r', 'script.rc', `${base}/dav/`].join(' ');
      const cadaver = run('/usr/bin/script', ['-q', '-e', '-c', command, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, HOME: home },
        timeout: 60_000,
      });
      cadaver.child.stdin!.end('y\n');
      // On a terminal, transfers draw a progress bar on a line of their own before their outcome.
      const stdout = (await cadaver).stdout.replace(/\r/g, '').replace(/\nProgress: .* (?=succeeded)/g, ' ');
      assert.match(stdout, /Issued by: Sesame test CA/);
      for (const step of [
        "Creating `folder'",
        'Uploading local.txt',
        "Locking `remote.txt'",
        "Unlocking `remote.txt'",
        "Moving `/dav/folder/remote.txt'",
        'Downloading',
        "Setting property on `moved.txt'",
      ]) {
        assert.match(stdout, new RegExp(`${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*succeeded`), stdout);
      }
      assert.match(stdout, /Value of color is: blue/, stdout);
      assert.equal(fs.readFileSync(path.join(dir, 'got.txt'), 'utf8'), content);
    });

    it('passes every WebDAV method, with a Destination naming the public https URL', async () => {
      const auth = basic('admin', secrets.webdav!);
      const call = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
        get(target, { method, headers: { ...auth, ...headers }, ...(body === undefined ? {} : { body }) });
      const options = await get('/dav/', { method: 'OPTIONS' });
      assert.equal(options.status, 200);
      assert.match(String(options.headers.dav), /1, 2/);
      assert.equal((await call('MKCOL', '/dav/verbs/')).status, 201);
      assert.equal((await call('PUT', '/dav/verbs/a.txt', { 'content-type': 'text/plain' }, 'every verb\n')).status, 201);
      assert.equal((await call('HEAD', '/dav/verbs/a.txt')).headers['content-length'], '11');
      const proppatch = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:test"><D:set><D:prop><Z:color>blue</Z:color></D:prop></D:set></D:propertyupdate>`;
      assert.equal((await call('PROPPATCH', '/dav/verbs/a.txt', { 'content-type': 'application/xml' }, proppatch)).status, 207);
      const lockBody = `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>`;
      const lock = await call('LOCK', '/dav/verbs/a.txt', { 'content-type': 'application/xml', timeout: 'Second-60' }, lockBody);
      assert.equal(lock.status, 200, lock.text);
      assert.equal((await call('UNLOCK', '/dav/verbs/a.txt', { 'lock-token': String(lock.headers['lock-token']) })).status, 204);
      assert.equal((await call('COPY', '/dav/verbs/a.txt', { destination: `${base}/dav/verbs/b.txt` })).status, 201);
      assert.equal((await call('MOVE', '/dav/verbs/b.txt', { destination: `${base}/dav/verbs/c.txt` })).status, 201);
      const listing = await call('PROPFIND', '/dav/verbs/', { depth: '1' });
      assert.equal(listing.status, 207);
      assert.match(listing.text, /a\.txt/);
      assert.match(listing.text, /c\.txt/);
      assert.doesNotMatch(listing.text, /b\.txt/);
      assert.equal((await call('GET', '/dav/verbs/c.txt')).text, 'every verb\n');
      assert.equal((await call('DELETE', '/dav/verbs/')).status, 204);
    });

    it("protects the static site with forward-auth: 401 with Sésame's challenge without a password or with another application's, 200 with the right one", async () => {
      const page = (headers: Record<string, string> = {}) => httpsRequest(site, '/', { ca: certificate.ca, headers });
      const anonymous = await page();
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="Sesame", charset="UTF-8"');
      assert.doesNotMatch(anonymous.text, /wiki de l'équipe/);
      assert.equal((await page(basic('admin', secrets.sync!))).status, 401, "the sync client's password is not the webdav one");
      assert.equal((await page(basic('admin', 'Not-the-secret-0000!'))).status, 401);
      const allowed = await page(basic('admin', secrets.webdav!));
      assert.equal(allowed.status, 200, allowed.text);
      assert.match(allowed.text, /Le wiki de l'équipe/);
    });

    it('keeps answering through the other node when one is killed in the middle', async () => {
      const auth = basic('admin', secrets.webdav!);
      const put = await get('/dav/probe.txt', { method: 'PUT', headers: auth, body: 'still here\n' });
      assert.ok(put.status === 201 || put.status === 204, put.text);
      const served = (node: ServedNode) =>
        node
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"request"')).length;
      const [first, second] = nodes as [ServedNode, ServedNode];
      assert.ok(served(first) > 0 && served(second) > 0, `both nodes served: ${served(first)} and ${served(second)}`);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        if (i === 10) second.child.kill('SIGKILL');
        statuses.push((await get('/dav/probe.txt', { headers: auth })).status);
        await sleep(20);
      }
      assert.deepEqual(statuses, new Array(40).fill(200), 'every request was answered');
      const propfind = await get('/dav/', { method: 'PROPFIND', headers: { ...auth, depth: '1' } });
      assert.equal(propfind.status, 207);
      await second.stop();
      nodes = [first];
    });
  });
}
