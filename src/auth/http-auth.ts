/**
 * Puts authentication in front of every route, from the route's declared
 * requirement (`config.auth`, default 'session'): session cookie with a CSRF
 * token on state-changing methods, or Basic auth through the one
 * authenticator, or both for GET /me. Also refuses credentials in query
 * strings before any route runs. Basic auth never creates a session.
 */
import crypto from 'node:crypto';
import '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SesameError } from '../errors.js';
import { validateSessionToken } from '../accounts/sessions.js';
import { clientOf, addressOf } from '../http/request-source.js';
import type { Services } from '../http/services.js';
import { authenticateBasic, unauthenticated } from './authenticator.js';
import type { Principal } from './principal.js';

const CREDENTIAL_QUERY_KEYS = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'app_password',
  'apppassword',
  'token',
  'access_token',
  'auth',
  'authorization',
  'api_key',
  'apikey',
  'session',
]);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

export function sessionCookieName(services: Services): string {
  return services.config.publicUrl.protocol === 'https:' ? '__Host-sesame_session' : 'sesame_session';
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

async function authenticateSession(services: Services, request: FastifyRequest): Promise<boolean> {
  const token = request.cookies[sessionCookieName(services)];
  if (!token) return false;
  const session = await validateSessionToken(services, token);
  if (!session) return false;
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !sameToken(sent, services.key.csrfToken(token))) {
      throw new SesameError('CSRF_TOKEN_INVALID', 'This request needs the X-CSRF-Token header of your session.');
    }
  }
  request.sessionToken = token;
  request.principal = {
    userId: session.userId,
    username: session.username,
    role: session.role,
    via: 'session',
    sessionId: session.id,
  };
  return true;
}

/**
 * Basic auth of one request for an application surface (null: any
 * application, never bound); sets the request's principal. Every Basic-auth
 * route goes through here.
 */
export async function authenticateBasicRequest(
  services: Services,
  request: FastifyRequest,
  application: string | null,
): Promise<Principal> {
  request.principal = await authenticateBasic(services, {
    authorization: request.headers.authorization,
    ip: addressOf(request),
    client: clientOf(request),
    application,
  });
  return request.principal;
}

async function authenticate(app: FastifyInstance, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const requirement = request.routeOptions.config.auth ?? 'session';
  // Unknown routes answer 404 to everyone; a surface's own hook authenticates its routes.
  if (requirement === 'none' || requirement === 'surface' || request.is404) return;
  const services = app.sesame;
  if (requirement === 'session-or-basic' && request.headers.authorization !== undefined) {
    await authenticateBasicRequest(services, request, null);
    return;
  }
  if (!(await authenticateSession(services, request))) throw unauthenticated();
  if (requirement === 'admin' && request.principal?.role !== 'admin') {
    throw new SesameError('FORBIDDEN', 'This needs an administrator account.');
  }
}

export const httpAuth = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('sessionToken', null);
    app.addHook('onRequest', async (request) => {
      const query = request.query;
      if (query && typeof query === 'object' && Object.keys(query).some((k) => CREDENTIAL_QUERY_KEYS.has(k.toLowerCase()))) {
        throw new SesameError(
          'CREDENTIALS_IN_QUERY',
          'Credentials must never be sent in a URL; send them in the Authorization header or the request body.',
        );
      }
    });
    app.addHook('onRequest', (request, reply) => authenticate(app, request, reply));
  },
  { name: 'sesame-http-auth', dependencies: ['@fastify/cookie'] },
);
