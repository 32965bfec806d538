/**
 * POST /session signs in (password, plus TOTP code with 2FA) and sets the
 * session cookie; DELETE /session signs out, and for a session opened by SSO
 * answers the provider's logout URL when it has one (RP-initiated logout).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SesameError } from '../errors.js';
import { refuseMalformedSignIn, signIn } from '../accounts/sign-in.js';
import { deleteSession } from '../accounts/sessions.js';
import { formatInstant } from '../app-passwords/expiry.js';
import { recordAudit } from '../audit/audit-log.js';
import { sessionPrincipal } from '../auth/http-auth.js';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie.js';
import { providerLogoutUrl } from '../oidc/sso-logout.js';
import { actorOf, clientOf, addressOf } from '../auth/request-source.js';
import { describeSchemaFailure } from '../http/validation.js';
import { ErrorReply, SessionReply, SignInBody, SignOutReply } from './schemas.js';

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const afterProviderLogout = new URL('signin', services.config.publicUrl);

  app.post(
    '/session',
    {
      config: { auth: 'none' },
      attachValidation: true,
      schema: { body: SignInBody, response: { 200: SessionReply, '4xx': ErrorReply } },
    },
    async (request, reply) => {
      const source = { ip: addressOf(request), client: clientOf(request) };
      if (request.validationError) {
        await refuseMalformedSignIn(
          services,
          source,
          new SesameError('VALIDATION_FAILED', describeSchemaFailure(request.validationError)),
        );
      }
      const result = await signIn(services, { ...request.body, ...source });
      setSessionCookie(reply, services, result.token, result.expiresAt);
      return { user: result.user, csrfToken: services.key.csrfToken(result.token), expiresAt: formatInstant(result.expiresAt) };
    },
  );

  app.delete(
    '/session',
    {
      config: { duringTwoFactorEnrolment: true },
      schema: { response: { 200: SignOutReply, 204: Type.Null(), '4xx': ErrorReply } },
    },
    async (request, reply) => {
      const principal = sessionPrincipal(request);
      const logoutUrl = await providerLogoutUrl(services, services.oidc, principal.sessionId, afterProviderLogout);
      await deleteSession(services.db, principal.sessionId);
      await recordAudit(services.db, services.clock.now(), actorOf(request), {
        action: 'session.deleted',
        targetUserId: principal.userId,
        target: principal.username,
      });
      clearSessionCookie(reply, services);
      return logoutUrl === null ? reply.status(204).send(null) : reply.status(200).send({ logoutUrl });
    },
  );
};
