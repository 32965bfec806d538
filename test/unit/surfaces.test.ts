/**
 * The surface registry and its guard: every application is accepted by at
 * least one surface and every surface names only known applications (so the
 * two lists agree by construction), and a route under a surface prefix
 * registered outside its surface stops the server from starting. Only a
 * served surface gives its application an address to connect to, and the
 * web interface stays out of every prefix the registry reserves.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { APPLICATIONS } from '../../src/app-passwords/applications.js';
import { checkSurfaceRoute } from '../../src/surfaces/basic-surface.js';
import { RESERVED_PREFIXES, SURFACES, clientAddressOf, endpointsOf, surfaceOfPath } from '../../src/surfaces/registry.js';
import { isSpaNavigation } from '../../src/web-ui/web-ui.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server.js';
import { tempDir } from '../helpers/server.js';

describe('surface registry', () => {
  it('names only known applications, and every application is served somewhere', () => {
    const known = new Set(APPLICATIONS.map((a) => a.id));
    for (const surface of Object.values(SURFACES))
      for (const app of surface.applications.accepted) assert.ok(known.has(app), app);
    for (const app of APPLICATIONS) assert.ok(endpointsOf(app.id).length > 0, app.id);
    assert.deepEqual(APPLICATIONS.find((a) => a.id === 'webdav')?.endpoints, ['/dav/']);
  });

  it('gives an address to connect to only for applications whose surface is served', () => {
    assert.equal(clientAddressOf('webdav'), '/dav/');
    assert.deepEqual(
      APPLICATIONS.map((a) => [a.id, a.clientAddress]),
      [
        ['webdav', '/dav/'],
        ['sync', null],
        ['outlook', null],
      ],
    );
    // Declaring a surface served is the one change that gives its binding application an address.
    const served = Object.values(SURFACES).filter((surface) => surface.served && surface.applications.binding !== null);
    for (const surface of served) assert.equal(clientAddressOf(surface.applications.binding!), surface.clientAddress);
  });

  it('serves the OCS calls to sync and outlook passwords without binding an unassigned one', () => {
    assert.deepEqual(SURFACES.ocs.applications, { accepted: ['sync', 'outlook'], binding: null });
    assert.equal(SURFACES.ocs.served, true);
    for (const path of ['/ocs/v1.php/cloud/user', '/ocs/v2.php/cloud/capabilities', '/ocs/v2.php/core/apppassword']) {
      assert.equal(surfaceOfPath(path)?.id, 'ocs', path);
    }
    // The sync client has its files to connect to only once /remote.php/dav/ is served: no address before.
    assert.equal(SURFACES.sync.served, false);
    assert.equal(clientAddressOf('sync'), null);
  });

  it('leaves the public Nextcloud endpoints to no Basic-auth surface, and the web interface out of them', () => {
    for (const path of ['/status.php', '/index.php/login/v2', '/index.php/login/v2/poll']) {
      assert.equal(surfaceOfPath(path), undefined, path);
      const request = { method: 'GET', url: path, headers: { accept: 'text/html' } };
      assert.equal(isSpaNavigation(request as never), false, path);
    }
  });

  it('keeps the web interface out of every prefix the registry reserves', () => {
    for (const prefix of RESERVED_PREFIXES) {
      const request = { method: 'GET', url: `${prefix}x`, headers: { accept: 'text/html' } };
      assert.equal(isSpaNavigation(request as never), false, prefix);
    }
  });

  it('binds unassigned passwords to an application each surface accepts (or to none)', () => {
    for (const surface of Object.values(SURFACES)) {
      const binding = surface.applications.binding;
      assert.ok(binding === null || (surface.applications.accepted as readonly string[]).includes(binding), surface.id);
    }
  });

  it('accepts sync and outlook passwords on the share API, binding unassigned ones to outlook', () => {
    assert.deepEqual(SURFACES.shares.applications, { accepted: ['outlook', 'sync'], binding: 'outlook' });
    assert.deepEqual(
      endpointsOf('sync').filter((prefix) => prefix.startsWith('/ocs/v2.php/apps/')),
      ['/ocs/v2.php/apps/files_sharing/api/v1/shares'],
    );
  });

  it('finds the surface of a path, and none for the JSON API', () => {
    assert.equal(surfaceOfPath('/dav/a/b')?.id, 'webdav');
    assert.equal(surfaceOfPath('/dav')?.id, 'webdav');
    assert.equal(surfaceOfPath('/remote.php/dav/files/x/')?.id, 'sync');
    assert.equal(surfaceOfPath('/api/v1/me'), undefined);
    assert.equal(surfaceOfPath('/davx'), undefined);
  });

  it('refuses a route under /dav/ registered outside the WebDAV surface', () => {
    assert.throws(
      () => checkSurfaceRoute({ method: 'GET', url: '/dav/backdoor', handler: () => undefined }),
      /registered outside it/,
    );
    assert.doesNotThrow(() => checkSurfaceRoute({ method: 'GET', url: '/api/v1/me', handler: () => undefined }));
  });

  it('makes a server with such a route refuse to start', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SESAME_SECRET_KEY: 'a'.repeat(64) });
    const server = await buildServer({ config });
    server.app.get('/dav-extra', () => 'fine');
    server.app.get('/dav/forgotten', () => 'no authentication here');
    await assert.rejects(async () => {
      await server.app.ready();
    }, /\/dav\/forgotten lies under the webdav surface/);
    await server.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
