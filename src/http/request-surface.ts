/**
 * Which part of the server a request went to, for the request log and the
 * metrics: a Basic-auth surface of the registry (webdav, sync, shares), the
 * JSON API, the sign-in routes of single sign-on, the operators' endpoints
 * (health, metrics) or the web interface. A closed set: never the path
 * itself. Decided once per route (from its URL pattern) and, for a request
 * that matched no route, from its path.
 */
import type { FastifyRequest } from 'fastify';
import { isUnderPrefix, surfaceOfPath } from '../surfaces/registry.js';

export const REQUEST_SURFACES = ['webdav', 'sync', 'shares', 'api', 'sso', 'ops', 'web'] as const;
export type RequestSurface = (typeof REQUEST_SURFACES)[number];

/** The operators' endpoints: health checks and the metrics. */
export const OPS_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/** The Nextcloud-compatible namespaces belong to the sync surface, also where no route of it exists. */
const NEXTCLOUD_PREFIXES = ['/remote.php/', '/ocs/', '/index.php/'];

export function surfaceOfUrl(path: string): RequestSurface {
  const surface = surfaceOfPath(path);
  if (surface) return surface.id as RequestSurface;
  if (isUnderPrefix(path, '/api/')) return 'api';
  if (isUnderPrefix(path, '/auth/oidc/')) return 'sso';
  if (OPS_PATHS.includes(path)) return 'ops';
  if (NEXTCLOUD_PREFIXES.some((prefix) => path.startsWith(prefix))) return 'sync';
  return 'web';
}

/** Per route (its config object), the surface its URL pattern lies under. */
const ofRoute = new WeakMap<object, RequestSurface>();

export function surfaceOfRequest(request: FastifyRequest): RequestSurface {
  const config = request.routeOptions.config as { url?: string } | undefined;
  if (config?.url === undefined) return surfaceOfUrl(request.url.split('?', 1)[0]!);
  let surface = ofRoute.get(config);
  if (surface === undefined) {
    surface = surfaceOfUrl(config.url);
    ofRoute.set(config, surface);
  }
  return surface;
}
