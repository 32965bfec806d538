/**
 * The WebDAV surface at /dav/: an encapsulated Fastify plugin with its own
 * body handling (bodies stay unread streams; XML is read by the handlers
 * with its own limit), its own XML errors and caching headers, and the
 * surface's Basic authentication on every route (OPTIONS excepted, as
 * clients probe it before authenticating). Dispatches each verb to its
 * handler over the authenticated user's FileStore. Every reply is
 * sandboxed (Content-Security-Policy `sandbox`): a browser that renders an
 * uploaded page renders it in an origin of its own, never as Sésame's.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SesameError, type ErrorCode } from '../errors.js';
import { authorize } from '../files/authorize.js';
import type { FileStore } from '../files/file-store.js';
import { LocalDiskStore } from '../files/local-disk-store.js';
import { SmallFileCache } from '../files/small-file-cache.js';
import { pathKey } from '../files/space-path.js';
import { BASIC_CHALLENGE, classifyError } from '../http/error-handler.js';
import { mountSurface } from '../surfaces/basic-surface.js';
import { SURFACES } from '../surfaces/registry.js';
import { parseDavPath } from './dav-path.js';
import type { DavHandler } from './dav-request.js';
import { copyResource, moveResource } from './methods/copy-move.js';
import { deleteResource, makeCollection } from './methods/delete-mkcol.js';
import { getResource } from './methods/get.js';
import { lockResource, unlockResource } from './methods/lock.js';
import { propfind } from './methods/propfind.js';
import { proppatch } from './methods/proppatch.js';
import { putResource } from './methods/put.js';
import { discardRestOfBody } from './request-body.js';
import { errorBody } from './xml-response.js';

/** Verbs Fastify 5 no longer routes by default, with whether they carry a body. */
export const DAV_VERBS = [
  ['PROPFIND', true],
  ['PROPPATCH', true],
  ['MKCOL', true],
  ['COPY', false],
  ['MOVE', false],
  ['LOCK', true],
  ['UNLOCK', false],
] as const;

const HANDLERS: Record<string, DavHandler> = {
  GET: getResource,
  HEAD: getResource,
  PUT: putResource,
  DELETE: deleteResource,
  MKCOL: makeCollection,
  COPY: copyResource,
  MOVE: moveResource,
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  LOCK: lockResource,
  UNLOCK: unlockResource,
};

/** Nothing served under /dav/ is a page of this origin: no script, no framing, an opaque origin. */
export const DAV_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'";

const ALLOW = ['OPTIONS', ...Object.keys(HANDLERS)].join(', ');
const READ_METHODS = new Set(['GET', 'HEAD', 'PROPFIND', 'OPTIONS']);

/** RFC 4918 §16 precondition elements of the errors that have one. */
const PRECONDITIONS: Partial<Record<ErrorCode, string>> = {
  DAV_DEPTH_INFINITY: 'propfind-finite-depth',
  DAV_LOCKED: 'no-conflicting-lock',
  DAV_LOCK_TOKEN_NOT_SUBMITTED: 'lock-token-submitted',
  DAV_LOCK_TOKEN_MISMATCH: 'lock-token-matches-request-uri',
};

export interface DavSurfaceOptions {
  filesDir: string;
  /** Benchmark-only (bench/dav.ts): serve every request as this user without credentials. */
  unauthenticatedUserForBenchmark?: { userId: string; username: string };
}

/** The same classification as every surface (http/error-handler.ts), written as a WebDAV XML error. */
export function sendDavError(request: FastifyRequest, reply: FastifyReply, error: FastifyError): FastifyReply {
  const classified = classifyError(error);
  if (classified === null) request.log.error({ err: error }, 'WebDAV request failed');
  const problem = classified ?? { status: 500, code: 'INTERNAL' as const, message: 'Internal error.' };
  if (problem.code === 'UNAUTHENTICATED') reply.header('www-authenticate', BASIC_CHALLENGE);
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  const precondition = problem.code === 'INTERNAL' ? undefined : PRECONDITIONS[problem.code];
  return reply
    .status(problem.status)
    .type('application/xml; charset=utf-8')
    .send(request.method === 'HEAD' ? undefined : errorBody(precondition, problem.message));
}

/** The path part of the request target (also for an absolute-form target). */
function targetPath(url: string): string {
  return url.startsWith('/') ? url : url.replace(/^[a-z]+:\/\/[^/]*/i, '');
}

export async function davSurface(app: FastifyInstance, options: DavSurfaceOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  // Bodies stay streams: PUT writes them to disk, XML handlers read them with their own limit.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.setErrorHandler((error: FastifyError, request, reply) => sendDavError(request, reply, error));
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('content-security-policy', DAV_CONTENT_SECURITY_POLICY);
    done(null, payload);
  });
  // An answer sent before the body was all read (a refused PUT): the rest is dropped, up to a limit.
  app.addHook('onResponse', (request, _reply, done) => {
    discardRestOfBody(request.raw);
    done();
  });
  // Every path is routed for the verbs WebDAV serves (below): what reaches this handler is another method.
  app.setNotFoundHandler((request, reply) =>
    sendDavError(
      request,
      reply.header('allow', ALLOW),
      new SesameError('DAV_METHOD_NOT_ALLOWED', `${request.method} is not a WebDAV method served here.`),
    ),
  );
  mountSurface(app, {
    surface: SURFACES.webdav,
    isPublic: (request) => request.method === 'OPTIONS',
    ...(options.unauthenticatedUserForBenchmark
      ? { unauthenticatedUserForBenchmark: options.unauthenticatedUserForBenchmark }
      : {}),
  });

  // One per server: each process (and each server of a test) checks its own entries against the disk.
  const cache = new SmallFileCache();
  const stores = new Map<string, FileStore>();
  const storeOf = (userId: string): FileStore => {
    let store = stores.get(userId);
    if (!store) {
      store = new LocalDiskStore(options.filesDir, userId, cache);
      stores.set(userId, store);
    }
    return store;
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (request.method === 'OPTIONS') {
      return reply.status(200).header('dav', '1, 2').header('allow', ALLOW).header('ms-author-via', 'DAV').send();
    }
    const target = parseDavPath(targetPath(request.url));
    const principal = request.principal;
    const userId = principal?.userId ?? '';
    authorize(principal, READ_METHODS.has(request.method) ? 'read' : 'write', userId);
    await HANDLERS[request.method]!({
      services: app.sesame,
      userId,
      store: storeOf(userId),
      target,
      key: pathKey(target.segments),
      request,
      reply,
      body: request.raw,
    });
    return reply;
  };
  const methods = ['OPTIONS', ...Object.keys(HANDLERS)];
  app.route({ method: methods, url: '/', handler: handle });
  app.route({ method: methods, url: '/*', handler: handle });
}
