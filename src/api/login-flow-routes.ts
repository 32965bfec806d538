/**
 * The signed-in user's side of Login Flow v2, called by the web
 * interface's Login Flow page with the login token from its URL fragment:
 * see the flow, approve it (its app password is created under this
 * session and sealed for the client; the secret never reaches the
 * browser), or refuse it. Session and CSRF, as every state-changing route.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../auth/request-source.js';
import { sessionPrincipal } from '../auth/http-auth.js';
import { approveLoginFlow, describeLoginFlow, refuseLoginFlow } from '../nextcloud/login-flow.js';
import { LoginFlowApprovedReply, LoginFlowReply, LoginFlowTokenBody } from './login-flow-schemas.js';
import { ErrorReply } from './schemas.js';

export const loginFlowRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;

  app.post(
    '/login-flows/lookup',
    { schema: { body: LoginFlowTokenBody, response: { 200: LoginFlowReply, '4xx': ErrorReply } } },
    async (request) => describeLoginFlow(services, request.body.token),
  );

  app.post(
    '/login-flows/approve',
    { schema: { body: LoginFlowTokenBody, response: { 200: LoginFlowApprovedReply, '4xx': ErrorReply } } },
    async (request) => {
      const principal = sessionPrincipal(request);
      const appPassword = await approveLoginFlow(
        services,
        request.body.token,
        { userId: principal.userId, username: principal.username, sessionId: principal.sessionId },
        actorOf(request),
      );
      return { appPassword };
    },
  );

  app.post(
    '/login-flows/refuse',
    { schema: { body: LoginFlowTokenBody, response: { 204: Type.Null(), '4xx': ErrorReply } } },
    async (request, reply) => {
      sessionPrincipal(request);
      await refuseLoginFlow(services, request.body.token, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
