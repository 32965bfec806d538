/**
 * GET /forward-auth/:application — Basic auth for a reverse proxy in front of
 * an application (nginx auth_request, Traefik ForwardAuth, Caddy
 * forward_auth): 204 with the user name, percent-encoded, in
 * `X-Sesame-User`, or the uniform 401 challenge. Binds an unassigned
 * password like any other use.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireApplication } from '../app-passwords/applications.js';
import { onlyApplication } from '../app-passwords/verify.js';
import { authenticateBasicRequest } from '../auth/http-auth.js';
import { ApplicationParams, ErrorReply } from './schemas.js';

export const forwardAuthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/forward-auth/:application',
    {
      config: { auth: 'none', basicChallenge: true },
      schema: {
        params: ApplicationParams,
        response: { 204: Type.Null(), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const application = requireApplication(request.params.application);
      const principal = await authenticateBasicRequest(app.sesame, request, onlyApplication(application));
      // Percent-encoded: a header cannot carry every character a username may have.
      return reply.status(204).header('x-sesame-user', encodeURIComponent(principal.username)).send(null);
    },
  );
};
