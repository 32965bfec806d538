/**
 * The user's own second factor: POST /me/totp starts enrolment (secret,
 * otpauth URI, QR code), POST /me/totp/confirm turns it on and returns the
 * recovery codes once, POST /me/recovery-codes renews them, DELETE /me/totp
 * turns it off. Session only; the enrolment routes stay open while the 2FA
 * policy holds the session to enrolment.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { confirmTotpEnrolment, disableTotp, regenerateRecoveryCodes, startTotpEnrolment } from '../accounts/totp-enrolment.js';
import { actorOf } from '../auth/request-source.js';
import { sessionPrincipal } from '../auth/http-auth.js';
import { ErrorReply, RecoveryCodesReply, SecondFactorCodeBody, TotpEnrolmentReply } from './schemas.js';

export const totpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const enrolment = { duringTwoFactorEnrolment: true };

  app.post(
    '/me/totp',
    { config: enrolment, schema: { response: { 200: TotpEnrolmentReply, '4xx': ErrorReply } } },
    async (request) => startTotpEnrolment(services, sessionPrincipal(request).userId),
  );

  app.post(
    '/me/totp/confirm',
    { config: enrolment, schema: { body: SecondFactorCodeBody, response: { 200: RecoveryCodesReply, '4xx': ErrorReply } } },
    async (request) => ({
      recoveryCodes: await confirmTotpEnrolment(services, sessionPrincipal(request).userId, request.body.code, actorOf(request)),
    }),
  );

  app.post(
    '/me/recovery-codes',
    { schema: { body: SecondFactorCodeBody, response: { 200: RecoveryCodesReply, '4xx': ErrorReply } } },
    async (request) => ({
      recoveryCodes: await regenerateRecoveryCodes(
        services,
        sessionPrincipal(request).userId,
        request.body.code,
        actorOf(request),
      ),
    }),
  );

  app.delete(
    '/me/totp',
    { schema: { body: SecondFactorCodeBody, response: { 204: Type.Null(), '4xx': ErrorReply } } },
    async (request, reply) => {
      await disableTotp(services, sessionPrincipal(request).userId, request.body.code, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
