/**
 * The signed-in user's app passwords: list (with those that ended in the
 * last 90 days, and the policy's limits), create (the reply is the only
 * place the secret ever appears, marked no-store), rename or assign
 * ("Configurer"), delete; and the applications they can be assigned to.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { APPLICATIONS, publicAddress } from '../app-passwords/applications.js';
import {
  appPasswordLimits,
  createAppPassword,
  deleteAppPassword,
  listAppPasswordHistory,
  listAppPasswords,
  updateAppPassword,
} from '../app-passwords/store.js';
import { actorOf } from '../auth/request-source.js';
import { sessionPrincipal } from '../auth/http-auth.js';
import {
  AppPasswordListReply,
  AppPasswordReply,
  ApplicationReply,
  CreateAppPasswordBody,
  CreatedAppPasswordReply,
  ErrorReply,
  IdParams,
  UpdateAppPasswordBody,
} from './schemas.js';

export const appPasswordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;

  app.get(
    '/applications',
    { schema: { response: { 200: Type.Object({ applications: Type.Array(ApplicationReply) }), '4xx': ErrorReply } } },
    async () => ({
      applications: APPLICATIONS.map(({ id, label, endpoints, clientAddress }) => ({
        id,
        label,
        endpoints,
        connectUrl: clientAddress === null ? null : publicAddress(services.config.publicUrl, clientAddress),
      })),
    }),
  );

  app.get('/app-passwords', { schema: { response: { 200: AppPasswordListReply, '4xx': ErrorReply } } }, async (request) => {
    const userId = request.principal!.userId;
    return {
      appPasswords: await listAppPasswords(services, userId),
      history: await listAppPasswordHistory(services, userId),
      limits: await appPasswordLimits(services, userId),
    };
  });

  app.post(
    '/app-passwords',
    { schema: { body: CreateAppPasswordBody, response: { 201: CreatedAppPasswordReply, '4xx': ErrorReply } } },
    async (request, reply) => {
      const principal = sessionPrincipal(request);
      const created = await createAppPassword(services, principal.userId, request.body, actorOf(request), {
        sessionId: principal.sessionId,
      });
      return reply.status(201).send({ appPassword: created.appPassword, password: created.secret });
    },
  );

  app.patch(
    '/app-passwords/:id',
    {
      schema: {
        params: IdParams,
        body: UpdateAppPasswordBody,
        response: { 200: Type.Object({ appPassword: AppPasswordReply }), '4xx': ErrorReply },
      },
    },
    async (request) => ({
      appPassword: await updateAppPassword(
        services,
        request.principal!.userId,
        request.params.id,
        request.body,
        actorOf(request),
      ),
    }),
  );

  app.delete(
    '/app-passwords/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), '4xx': ErrorReply } } },
    async (request, reply) => {
      await deleteAppPassword(services, request.principal!.userId, request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
