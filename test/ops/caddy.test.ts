/**
 * deploy/caddy/Caddyfile run by Debian's caddy (a process of the test's own,
 * on free loopback ports, its admin endpoint off, never the system service)
 * in front of two Sésame nodes: the story of test/ops/proxy-support.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeProxyStory, readDeployFile, replaceExactly, startProxyProcess } from './proxy-support.js';

const CADDY = '/usr/bin/caddy';

describeProxyStory('caddy', CADDY, 'caddy', async (plan) => {
  let site = readDeployFile('caddy/Caddyfile');
  site = replaceExactly(site, 'files.example.org {', `https://127.0.0.1:${plan.sesamePort} {`);
  site = replaceExactly(site, 'wiki.example.org {', `https://127.0.0.1:${plan.sitePort} {`);
  site = replaceExactly(site, '10.0.0.11:8080 10.0.0.12:8080', plan.nodes.join(' '), 2);
  site = replaceExactly(
    site,
    '/etc/ssl/sesame/fullchain.pem /etc/ssl/sesame/privkey.pem',
    `${plan.certificate.cert} ${plan.certificate.key}`,
    2,
  );
  site = replaceExactly(site, 'root * /var/www/wiki', `root * ${plan.siteRoot}`);
  const dir = path.join(plan.dir, 'caddy');
  fs.mkdirSync(dir);
  // Global options of this test only: no admin endpoint, no certificate management, state kept here.
  const global = ['{', '\tadmin off', '\tauto_https off', `\tstorage file_system ${dir}/data`, '}', ''].join('\n');
  const file = path.join(dir, 'Caddyfile');
  fs.writeFileSync(file, global + site);
  return startProxyProcess(
    CADDY,
    ['run', '--config', file, '--adapter', 'caddyfile'],
    { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    `https://127.0.0.1:${plan.sesamePort}`,
    plan.certificate.ca,
  );
});
