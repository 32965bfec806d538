/**
 * The OCS API at /ocs/: one encapsulated plugin whose every reply, error
 * or not, is in the OCS envelope (ocs-envelope.ts), whose bodies are form
 * fields or JSON (request-body.ts), and whose routes sit under Basic-auth
 * surfaces of the registry: today the `ocs` surface (`cloud/*` and
 * `core/*`, both versions); the share API mounts its own surface here
 * beside it. As in Nextcloud, an authenticated OCS call must carry
 * `OCS-APIRequest: true` (its defence against cross-site requests made
 * with credentials a browser remembers), else 412; authentication is
 * checked first. A path no route serves is the OCS 404, without
 * authentication.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SesameError } from '../errors.js';
import { mountSurface } from '../surfaces/basic-surface.js';
import { SURFACES } from '../surfaces/registry.js';
import { ocsCloudRoutes } from './ocs-cloud-routes.js';
import { ocsCoreRoutes } from './ocs-core-routes.js';
import { sendOcsError, sendOcsProblem } from './ocs-envelope.js';
import { useNextcloudBodies } from './request-body.js';
import type { SpaceUsageReader } from './space-usage.js';

export interface OcsSurfaceOptions {
  spaceUsage: SpaceUsageReader;
}

const OCS_VERSIONS = ['/v1.php', '/v2.php'] as const;

function requireOcsApiRequest(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.headers['ocs-apirequest'] === 'true') done();
  else {
    done(
      new SesameError('OCS_APIREQUEST_MISSING', 'CSRF check failed: an OCS request must send the header OCS-APIRequest: true.'),
    );
  }
}

/** Registered with the prefix `/ocs`. */
export async function ocsSurface(app: FastifyInstance, options: OcsSurfaceOptions): Promise<void> {
  useNextcloudBodies(app);
  app.setErrorHandler((error: FastifyError, request, reply) => sendOcsError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendOcsProblem(request, reply, {
      status: 404,
      code: 'NOT_FOUND',
      message: 'Invalid query, please check the syntax. No OCS route serves this path.',
    }),
  );
  await app.register(async (surface) => {
    mountSurface(surface, { surface: SURFACES.ocs });
    surface.addHook('onRequest', requireOcsApiRequest);
    for (const version of OCS_VERSIONS) {
      await surface.register(ocsCloudRoutes, { prefix: `${version}/cloud`, spaceUsage: options.spaceUsage });
      await surface.register(ocsCoreRoutes, { prefix: `${version}/core` });
    }
  });
}
