/**
 * GET /me — who am I (by session, or by Basic auth so that a client can test
 * its credentials: any application's password, never bound by this call),
 * and whether the policy holds this account to 2FA enrolment;
 * PUT /me/password — change the primary password.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changeOwnPassword, getUserById } from '../accounts/users.js';
import { actorOf } from '../auth/request-source.js';
import { getPolicy } from '../policy/policy.js';
import { sessionPrincipal } from '../auth/http-auth.js';
import { ChangePasswordBody, ChangePasswordReply, ErrorReply, MeReply } from './schemas.js';

export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;

  app.get(
    '/me',
    {
      config: { auth: 'session-or-basic', basicChallenge: true, duringTwoFactorEnrolment: true },
      schema: { response: { 200: MeReply, '4xx': ErrorReply } },
    },
    async (request) => {
      const principal = request.principal!;
      const user = await getUserById(services, principal.userId);
      const policy = await getPolicy(services.db);
      return {
        user,
        via: principal.via,
        signInMethod: user.authSource === 'oidc' ? ('sso' as const) : ('password' as const),
        totpEnabled: user.twoFactor,
        twoFactorEnrolmentRequired: policy.requireTwoFactorForLocalAccounts && user.authSource === 'local' && !user.twoFactor,
        ...(request.sessionToken ? { csrfToken: services.key.csrfToken(request.sessionToken) } : {}),
      };
    },
  );

  app.put(
    '/me/password',
    { schema: { body: ChangePasswordBody, response: { 200: ChangePasswordReply, '4xx': ErrorReply } } },
    async (request) => {
      const principal = sessionPrincipal(request);
      return changeOwnPassword(
        services,
        { userId: principal.userId, sessionId: principal.sessionId, ...request.body },
        actorOf(request),
      );
    },
  );
};
