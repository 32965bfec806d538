/**
 * POST /session signs in (password, plus TOTP code with 2FA) and sets the
 * session cookie; DELETE /session signs out.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SesameError } from '../errors.js';
import { refuseMalformedSignIn, signIn } from '../accounts/sign-in.js';
import { deleteSession } from '../accounts/sessions.js';
import { formatInstant } from '../app-passwords/expiry.js';
import { recordAudit } from '../audit/audit-log.js';
import { sessionCookieName, sessionPrincipal } from '../auth/http-auth.js';
import { actorOf, clientOf, addressOf } from '../auth/request-source.js';
import { describeSchemaFailure } from '../http/validation.js';
import { ErrorReply, SessionReply, SignInBody } from './schemas.js';

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const secure = services.config.publicUrl.protocol === 'https:';

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
      reply.setCookie(sessionCookieName(services), result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure,
        expires: new Date(result.expiresAt),
      });
      return { user: result.user, csrfToken: services.key.csrfToken(result.token), expiresAt: formatInstant(result.expiresAt) };
    },
  );

  app.delete(
    '/session',
    { config: { duringTwoFactorEnrolment: true }, schema: { response: { 204: Type.Null(), '4xx': ErrorReply } } },
    async (request, reply) => {
      const principal = sessionPrincipal(request);
      await deleteSession(services.db, principal.sessionId);
      await recordAudit(services.db, services.clock.now(), actorOf(request), {
        action: 'session.deleted',
        targetUserId: principal.userId,
        target: principal.username,
      });
      reply.clearCookie(sessionCookieName(services), { path: '/', httpOnly: true, sameSite: 'lax', secure });
      return reply.status(204).send(null);
    },
  );
};
