/**
 * Puts authentication in front of every route, from the route's declared
 * requirement (`config.auth`, default 'session'): session cookie with a CSRF
 * token on state-changing methods, or Basic auth through the one
 * authenticator, or both for GET /me. Basic auth never creates a session.
 * While the policy requires 2FA of local accounts, a session of one without
 * it reaches only the routes marked `duringTwoFactorEnrolment`.
 */
import crypto from 'node:crypto';
import '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SesameError } from '../errors.js';
import { validateSessionToken } from '../accounts/sessions.js';
import { getPolicy } from '../policy/policy.js';
import type { Config } from '../config/config.js';
import { clientOf, addressOf } from './request-source.js';
import { authenticateBasic, unauthenticated, type AuthContext } from './authenticator.js';
import type { Principal } from './principal.js';
import type { AcceptedApplications } from '../app-passwords/verify.js';
import { outcomeOfFailure, type BasicAuthObserver } from './basic-outcome.js';

/** What authentication needs of the server: the domain context, the usage recorder, the public URL, the counts. */
export interface AuthServices extends AuthContext {
  config: Pick<Config, 'publicUrl'>;
  metrics: BasicAuthObserver;
}

/**
 * Who may call a route: nobody in particular, a signed-in user, an admin, a
 * user by session or Basic auth, or whoever the route's surface authenticates
 * (set by the surface plugin itself, see surfaces/basic-surface.ts).
 */
export type AuthRequirement = 'none' | 'session' | 'admin' | 'session-or-basic' | 'surface';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The raw session token, when the request came with a valid session cookie. */
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** Answer 401s with a Basic challenge. */
    basicChallenge?: boolean;
    /** The Basic-auth surface the route belongs to (surfaces/registry.ts). */
    surface?: string;
    /** Open to a session that the 2FA policy holds to enrolment (the enrolment routes, GET /me, sign-out). */
    duringTwoFactorEnrolment?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

/**
 * The one decision on cookie security: under an https PUBLIC_URL every
 * cookie of ours is `Secure`, and the session cookie has the `__Host-` name.
 */
export function usesSecureCookies(services: Pick<AuthServices, 'config'>): boolean {
  return services.config.publicUrl.protocol === 'https:';
}

export function sessionCookieName(services: AuthServices): string {
  return usesSecureCookies(services) ? '__Host-sesame_session' : 'sesame_session';
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

async function authenticateSession(services: AuthServices, request: FastifyRequest): Promise<boolean> {
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
  if (
    session.lacksSecondFactor &&
    !request.routeOptions.config.duringTwoFactorEnrolment &&
    (await getPolicy(services.db)).requireTwoFactorForLocalAccounts
  ) {
    throw new SesameError(
      'TWO_FACTOR_ENROLMENT_REQUIRED',
      'Your administrator requires two-factor authentication: turn it on (POST /api/v1/me/totp) before anything else.',
    );
  }
  request.sessionToken = token;
  request.principal = {
    via: 'session',
    userId: session.userId,
    username: session.username,
    role: session.role,
    sessionId: session.id,
  };
  return true;
}

/**
 * Basic auth of one request for the applications a surface accepts (null:
 * any application, never bound); sets the request's principal. Every
 * Basic-auth route goes through here, so its outcome is counted here.
 */
export async function authenticateBasicRequest(
  services: AuthServices,
  request: FastifyRequest,
  applications: AcceptedApplications | null,
): Promise<Principal> {
  try {
    request.principal = await authenticateBasic(services, {
      authorization: request.headers.authorization,
      ip: addressOf(request),
      client: clientOf(request),
      applications,
    });
  } catch (error) {
    services.metrics.basicAuthAttempt(outcomeOfFailure(error));
    throw error;
  }
  services.metrics.basicAuthAttempt('success');
  return request.principal;
}

async function authenticate(services: AuthServices, request: FastifyRequest): Promise<void> {
  const requirement = request.routeOptions.config.auth ?? 'session';
  // Unknown routes answer 404 to everyone; a surface's own hook authenticates its routes.
  if (requirement === 'none' || requirement === 'surface' || request.is404) return;
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
  async (app: FastifyInstance, options: { services: AuthServices }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('sessionToken', null);
    app.addHook('onRequest', (request) => authenticate(options.services, request));
  },
  { name: 'sesame-http-auth', dependencies: ['@fastify/cookie'] },
);

/** The principal of a route that requires a session ('session' or 'admin'): always a session one there. */
export function sessionPrincipal(request: FastifyRequest): Extract<Principal, { via: 'session' }> {
  const principal = request.principal;
  if (principal?.via !== 'session') throw unauthenticated();
  return principal;
}
