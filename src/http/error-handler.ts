/**
 * Turns every error into a reply with a stable code, framework-raised ones
 * included (malformed URL, bad JSON, body too large, unsupported media type,
 * unknown route, malformed HTTP): SesameError as it is, schema failures as
 * VALIDATION_FAILED, Fastify's own errors by their code, other client errors
 * as REQUEST_INVALID, anything else as INTERNAL (logged, never shown).
 * Classifying is separate from formatting: the JSON API's format,
 * `{ "error": { "code", "message" } }`, is chosen in `sendError`, the one
 * place where another surface (WebDAV's XML) would choose its own by path.
 * Basic-auth routes add the challenge to their 401s. A fault of the
 * database or its storage (DATABASE_UNAVAILABLE, STORAGE_FULL: 503 with
 * Retry-After, whatever the surface) is logged with its real cause, also
 * when it is the hidden cause of a refusal (a failed sign-in that could not
 * be counted still answers the uniform 401).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  onErrorHookHandler,
} from 'fastify';
import { ERROR_STATUS, isSesameError, type ErrorCode } from '../errors.js';
import { describeFault, isDatabaseFault } from '../db/database-faults.js';
import { surfaceOfPath, type SurfaceId } from '../surfaces/registry.js';
import { loggedPath } from './log-serializers.js';
import { describeSchemaFailure } from './validation.js';

/** An ASCII realm (clients read header bytes as Latin-1); the RFC 7617 charset asks for UTF-8 user names. */
export const BASIC_CHALLENGE = 'Basic realm="Sesame", charset="UTF-8"';

/** What a client is told about an error, whatever the surface's format. */
export interface Problem {
  status: number;
  code: ErrorCode | 'INTERNAL';
  message: string;
  retryAfter?: number;
}

/** Fastify's own client errors, by their code. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_BAD_URL: { code: 'URL_INVALID', message: 'The URL is not valid (malformed percent-encoding).' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'MEDIA_TYPE_UNSUPPORTED',
    message: 'This request body must be sent as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'REQUEST_INVALID',
    message: 'The Content-Length does not match the body.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'The request body is too large.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'BODY_INVALID_JSON', message: 'The request body is empty; JSON was expected.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'BODY_INVALID_JSON', message: 'The request body is not valid JSON.' },
};

const NOT_FOUND: Problem = { status: 404, code: 'NOT_FOUND', message: 'No such resource.' };
const INTERNAL: Problem = { status: 500, code: 'INTERNAL', message: 'Internal error.' };

function problemOf(code: ErrorCode, message: string): Problem {
  return { status: ERROR_STATUS[code], code, message };
}

/** The stable code, status and message of any error; null for an unexpected (server) error. */
export function classifyError(error: FastifyError): Problem | null {
  if (isSesameError(error)) {
    return {
      ...problemOf(error.code, error.message),
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    };
  }
  if (error.validation) return problemOf('VALIDATION_FAILED', describeSchemaFailure(error));
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) return problemOf(known.code, known.message);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'REQUEST_INVALID', message: 'The request is not valid.' };
  return null;
}

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

/**
 * The JSON API's error format. It marks itself no-store: errors raised
 * before routing (a malformed URL) skip the server's reply hooks.
 */
function sendApiError(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .status(problem.status)
    .header('cache-control', 'no-store')
    .send({ error: { code: problem.code, message: problem.message } });
}

function sendError(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.code === 'UNAUTHENTICATED' && wantsBasicChallenge(request)) reply.header('www-authenticate', BASIC_CHALLENGE);
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  return sendApiError(reply, problem);
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = classifyError(error);
  if (problem === null) request.log.error({ err: error }, 'request failed');
  return sendError(request, reply, problem ?? INTERNAL);
}

/** A surface's own error format (WebDAV's XML), for the errors raised before routing under its prefixes. */
export type SurfaceErrorSender = (request: FastifyRequest, reply: FastifyReply, error: FastifyError) => FastifyReply;

/**
 * Errors Fastify raises before routing (a malformed URL), given to the
 * server as its `frameworkErrors` option: answered like every other error,
 * in the format of the surface whose prefix the path is under.
 */
export function frameworkErrorsOf(
  surfaces: Partial<Record<SurfaceId, SurfaceErrorSender>>,
): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (error, request, reply) => {
    const surface = surfaceOfPath(loggedPath(request.url));
    const send = surface === undefined ? undefined : surfaces[surface.id as SurfaceId];
    if (send) send(request, reply, error);
    else handleError(error, request, reply);
  };
}

const SOCKET_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * Answers on the raw socket, outside Fastify (the request could not be read,
 * or its body stopped arriving), with the envelope of every error, then
 * closes the connection.
 */
export function endSocketWithError(socket: Socket, code: ErrorCode, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  // A client that goes on sending is not waited for.
  socket.destroySoon();
}

/**
 * Malformed HTTP that never becomes a request (bad request line, headers
 * too large, headers too slow): the same body, written on the socket, which
 * is then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  endSocketWithError(socket, SOCKET_ERRORS[error.code ?? ''] ?? 'REQUEST_INVALID', 'The request could not be read as HTTP.');
}

/** Every surface's errors pass here before their surface formats them. */
const logDatabaseFault: onErrorHookHandler = (request, _reply, error, done) => {
  if (isDatabaseFault(error)) request.log.warn({ err: error.cause ?? error }, describeFault(error));
  else if (isDatabaseFault(error.cause)) {
    request.log.warn(
      { err: error.cause.cause ?? error.cause },
      `answered ${error.code ?? 'an error'}; ${describeFault(error.cause)}`,
    );
  }
  done();
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.addHook('onError', logDatabaseFault);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendError(request, reply, NOT_FOUND));
}
