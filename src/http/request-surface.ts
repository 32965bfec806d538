/**
 * Which part of the server a request went to, for the request log and the
 * metrics: a Basic-auth surface of the registry (webdav, sync, shares), the
 * JSON API, the sign-in routes of single sign-on, the operators' endpoints
 * (health, metrics) or the web interface. A closed set: never the path
 * itself. Decided once per route (from its URL pattern) and, for a request
 * that matched no route, from its path.
 */
import type { FastifyRequest } from 'fastify';
import { SURFACES } from '../surfaces/registry.js';

export const REQUEST_SURFACES = ['webdav', 'sync', 'shares', 'api', 'sso', 'ops', 'web'] as const;
export type RequestSurface = (typeof REQUEST_SURFACES)[number];

/** The operators' endpoints: health checks and the metrics. */
export const OPS_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/**
 * Each prefix (and, for one ending in '/', the same path without it) with
 * its surface, most specific first: what a path starts with decides.
 */
const PREFIXES: readonly (readonly [string, RequestSurface])[] = [
  ...Object.values(SURFACES).flatMap((surface) =>
    surface.prefixes.map((prefix) => [prefix, surface.id as RequestSurface] as const),
  ),
  ['/api/', 'api'],
  ['/auth/oidc/', 'sso'],
  // The Nextcloud-compatible namespaces belong to the sync surface, also where no route of it exists.
  ['/remote.php/', 'sync'],
  ['/ocs/', 'sync'],
  ['/index.php/', 'sync'],
];

export function surfaceOfUrl(path: string): RequestSurface {
  for (const [prefix, surface] of PREFIXES) {
    if (path.startsWith(prefix) || (prefix.endsWith('/') && path.length === prefix.length - 1 && prefix.startsWith(path))) {
      return surface;
    }
  }
  return OPS_PATHS.includes(path) ? 'ops' : 'web';
}

/** Per route (its config object), the surface its URL pattern lies under. */
const ofRoute = new WeakMap<object, RequestSurface>();

export function surfaceOfRequest(request: FastifyRequest): RequestSurface {
  const config = request.routeOptions.config as { url?: string } | undefined;
  if (config?.url === undefined) {
    // A request no route matched: its path.
    const query = request.url.indexOf('?');
    return surfaceOfUrl(query === -1 ? request.url : request.url.slice(0, query));
  }
  let surface = ofRoute.get(config);
  if (surface === undefined) {
    surface = surfaceOfUrl(config.url);
    ofRoute.set(config, surface);
  }
  return surface;
}
