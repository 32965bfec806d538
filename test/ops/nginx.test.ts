/**
 * deploy/nginx/sesame.conf run by Debian's nginx (a master process of the
 * test's own, on free loopback ports, never the system service) in front of
 * two Sésame nodes: the story of test/ops/proxy-support.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../helpers/pg-cluster.js';
import { describeProxyStory, readDeployFile, replaceEach, replaceExactly, startProxyProcess } from './proxy-support.js';

const NGINX = '/usr/sbin/nginx';

describeProxyStory('nginx', NGINX, 'nginx', async (plan) => {
  const httpPort = await freePort();
  let site = readDeployFile('nginx/sesame.conf');
  site = replaceExactly(site, 'server 10.0.0.11:8080', `server ${plan.nodes[0]}`);
  site = replaceExactly(site, 'server 10.0.0.12:8080', `server ${plan.nodes[1]}`);
  site = replaceExactly(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = replaceEach(site, 'listen 443 ssl http2;', [
    `listen 127.0.0.1:${plan.sesamePort} ssl http2;`,
    `listen 127.0.0.1:${plan.sitePort} ssl http2;`,
  ]);
  site = replaceExactly(site, '/etc/ssl/sesame/fullchain.pem', plan.certificate.cert, 2);
  site = replaceExactly(site, '/etc/ssl/sesame/privkey.pem', plan.certificate.key, 2);
  site = replaceExactly(site, 'root /var/www/wiki;', `root ${plan.siteRoot};`);
  const dir = path.join(plan.dir, 'nginx');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'sesame.conf'), site);
  // What /etc/nginx/nginx.conf provides on Debian, kept to this test's directory.
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'user root;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      '  types { text/html html; }',
      '  default_type application/octet-stream;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${dir}/${temp};`),
      `  include ${dir}/sesame.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  return startProxyProcess(
    NGINX,
    ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`],
    process.env,
    `https://127.0.0.1:${plan.sesamePort}`,
    plan.certificate.ca,
  );
});
