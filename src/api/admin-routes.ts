/**
 * Administration (admins only): users (list with their last sign-in,
 * create, disable, enable again, reset their 2FA, link to an SSO identity,
 * their app passwords), revoking any app password, the policy, and the
 * audit log.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createUser, disableUser, enableUser, getUserById, listUsersWithLastSignIn, resetTwoFactor } from '../accounts/users.js';
import { listAppPasswords, revokeAppPassword } from '../app-passwords/store.js';
import { formatInstant } from '../app-passwords/expiry.js';
import { AUDIT_ACTIONS, listAudit } from '../audit/audit-log.js';
import { getPolicy, updatePolicy } from '../policy/policy.js';
import { actorOf } from '../auth/request-source.js';
import { linkSsoIdentity } from '../oidc/sso-link.js';
import {
  AdminUserReply,
  AppPasswordReply,
  AuditQuery,
  AuditReply,
  CreateUserBody,
  ErrorReply,
  IdParams,
  PolicyBody,
  PolicyReply,
  SsoIdentityBody,
  UserReply,
} from './schemas.js';

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const admin = { auth: 'admin' } as const;

  app.get(
    '/admin/users',
    { config: admin, schema: { response: { 200: Type.Object({ users: Type.Array(AdminUserReply) }), '4xx': ErrorReply } } },
    async () => ({ users: await listUsersWithLastSignIn(services) }),
  );

  app.post(
    '/admin/users',
    { config: admin, schema: { body: CreateUserBody, response: { 201: Type.Object({ user: UserReply }), '4xx': ErrorReply } } },
    async (request, reply) => {
      const user = await createUser(services, { ...request.body, role: request.body.role ?? 'user' }, actorOf(request));
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/admin/users/:id/disable',
    { config: admin, schema: { params: IdParams, response: { 200: Type.Object({ user: UserReply }), '4xx': ErrorReply } } },
    async (request) => ({ user: await disableUser(services, request.params.id, actorOf(request)) }),
  );

  app.post(
    '/admin/users/:id/enable',
    { config: admin, schema: { params: IdParams, response: { 200: Type.Object({ user: UserReply }), '4xx': ErrorReply } } },
    async (request) => ({ user: await enableUser(services, request.params.id, actorOf(request)) }),
  );

  app.post(
    '/admin/users/:id/two-factor/reset',
    { config: admin, schema: { params: IdParams, response: { 200: Type.Object({ user: UserReply }), '4xx': ErrorReply } } },
    async (request) => ({ user: await resetTwoFactor(services, request.params.id, actorOf(request)) }),
  );

  app.put(
    '/admin/users/:id/sso-identity',
    {
      config: admin,
      schema: { params: IdParams, body: SsoIdentityBody, response: { 200: Type.Object({ user: UserReply }), '4xx': ErrorReply } },
    },
    async (request) => ({
      user: await linkSsoIdentity(
        services,
        services.oidc,
        { userId: request.params.id, subject: request.body.subject },
        actorOf(request),
      ),
    }),
  );

  app.get(
    '/admin/users/:id/app-passwords',
    {
      config: admin,
      schema: {
        params: IdParams,
        response: { 200: Type.Object({ appPasswords: Type.Array(AppPasswordReply) }), '4xx': ErrorReply },
      },
    },
    async (request) => {
      await getUserById(services, request.params.id);
      return { appPasswords: await listAppPasswords(services, request.params.id) };
    },
  );

  app.delete(
    '/admin/app-passwords/:id',
    { config: admin, schema: { params: IdParams, response: { 204: Type.Null(), '4xx': ErrorReply } } },
    async (request, reply) => {
      await revokeAppPassword(services, request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get('/admin/policy', { config: admin, schema: { response: { 200: PolicyReply, '4xx': ErrorReply } } }, () =>
    getPolicy(services.db),
  );

  app.put(
    '/admin/policy',
    { config: admin, schema: { body: PolicyBody, response: { 200: PolicyReply, '4xx': ErrorReply } } },
    (request) => updatePolicy(services, request.body, actorOf(request)),
  );

  app.get(
    '/admin/audit',
    { config: admin, schema: { querystring: AuditQuery, response: { 200: AuditReply, '4xx': ErrorReply } } },
    async (request) => {
      const page = await listAudit(services.db, {
        limit: request.query.limit ?? 100,
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
        filter: {
          ...(request.query.action === undefined ? {} : { action: request.query.action }),
          ...(request.query.user === undefined ? {} : { user: request.query.user }),
        },
      });
      return {
        entries: page.entries.map((entry) => ({ ...entry, at: formatInstant(entry.at) })),
        nextCursor: page.nextCursor,
        actions: [...AUDIT_ACTIONS],
      };
    },
  );
};
