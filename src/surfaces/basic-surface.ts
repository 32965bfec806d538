/**
 * Mounts a Basic-auth surface as its own encapsulated Fastify plugin: every
 * route registered inside gets the surface's `onRequest` authentication
 * (the one authenticator, with the surface's set of applications), so no route
 * under a surface can forget it. `checkSurfaceRoutes` makes the server
 * refuse to start if a route under a surface prefix was registered anywhere
 * else. Never authenticates by itself: it calls `authenticateBasicRequest`.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { authenticateBasicRequest } from '../auth/http-auth.js';
import type { Principal } from '../auth/principal.js';
import { surfaceOfPath, type SurfaceDefinition } from './registry.js';

export interface SurfaceOptions {
  surface: SurfaceDefinition;
  /** Requests answered before authentication (e.g. unauthenticated OPTIONS on /dav/). */
  isPublic?: (request: FastifyRequest) => boolean;
  /** Benchmark-only: serve every request as this user without checking credentials. Never set from configuration. */
  unauthenticatedUserForBenchmark?: { userId: string; username: string };
}

export function mountSurface(app: FastifyInstance, options: SurfaceOptions): void {
  const { surface } = options;
  // Outside the session scope (server.ts) nothing else declares it: a request starts with no principal.
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: 'surface', surface: surface.id };
  });
  const benchUser = options.unauthenticatedUserForBenchmark;
  const benchPrincipal: Principal | null = benchUser
    ? { ...benchUser, role: 'user', via: 'app-password', appPasswordId: 'benchmark-without-authentication' }
    : null;
  // A callback hook: the surface's hot paths (a GET, a PROPFIND) pay for one promise, the authentication's own.
  app.addHook('onRequest', (request, _reply, done) => {
    if (options.isPublic?.(request)) {
      done();
      return;
    }
    if (benchPrincipal) {
      request.principal = benchPrincipal;
      done();
      return;
    }
    authenticateBasicRequest(app.sesame, request, surface.applications).then(() => done(), done);
  });
}

/** Throws if a route lies under a surface's prefix without belonging to that surface, or claims a surface it is not in. */
export function checkSurfaceRoute(route: RouteOptions): void {
  const config = (route.config ?? {}) as { auth?: string; surface?: string };
  const owner = surfaceOfPath(route.url);
  if (owner && config.surface !== owner.id) {
    throw new Error(
      `Route ${route.url} lies under the ${owner.id} surface but was registered outside it, without its authentication.`,
    );
  }
  if (config.auth === 'surface' && (!owner || owner.id !== config.surface)) {
    throw new Error(`Route ${route.url} relies on the ${config.surface ?? '?'} surface's authentication but lies outside it.`);
  }
}
