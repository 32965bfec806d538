/**
 * Turns every error into `{ "error": { "code", "message" } }` with a stable
 * code: SesameError as it is, schema failures as VALIDATION_FAILED, other
 * client errors as REQUEST_INVALID, anything else as INTERNAL (logged, not
 * shown). Basic-auth routes add the challenge to their 401s.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isSesameError } from '../errors.js';
import { describeSchemaFailure } from './validation.js';

export const BASIC_CHALLENGE = 'Basic realm="Sésame", charset="UTF-8"';

/**
 * Basic-only routes always challenge; a route that also takes a session
 * (GET /me) challenges only a request that tried Basic, so that a browser
 * whose session ended does not pop up its own login dialog.
 */
function wantsBasicChallenge(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  if (!config.basicChallenge) return false;
  return config.auth !== 'session-or-basic' || request.headers.authorization !== undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isSesameError(error)) {
      if (error.code === 'UNAUTHENTICATED' && wantsBasicChallenge(request)) {
        reply.header('www-authenticate', BASIC_CHALLENGE);
      }
      if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
      return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
    }
    if (error.validation) {
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: describeSchemaFailure(error) } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: 'REQUEST_INVALID', message: error.message } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Internal error.' } });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such resource.' } }),
  );
}
