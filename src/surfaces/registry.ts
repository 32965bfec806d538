/**
 * The one registry of Basic-auth surfaces: where each surface lives, which
 * set of applications' passwords it accepts, the application an unassigned
 * password is bound to there (stated, never implied by order), whether it
 * is served yet, and the address a client is given to connect to it. The
 * applications' public endpoint lists and their « Comment se connecter »
 * addresses are derived from it, so none can disagree; so are the prefixes
 * the web interface leaves to other surfaces. Surfaces not yet served are
 * declared here already: their passwords can be assigned today, and the
 * interface says there is nothing to connect them to until `served` is true.
 */

import type { AcceptedApplications } from '../app-passwords/verify.js';

export interface SurfaceDefinition {
  id: string;
  /** Path prefixes served by this surface (each ends with '/' or names one resource). */
  prefixes: readonly string[];
  /** Applications whose passwords are accepted, and the one an unassigned password is bound to here. */
  applications: AcceptedApplications;
  /** Whether this server answers the surface yet; until then, a password bound to it has nothing to connect to. */
  served: boolean;
  /** The path a client of the binding application is given to connect (joined to PUBLIC_URL). */
  clientAddress: string;
}

export const SURFACES = {
  webdav: {
    id: 'webdav',
    prefixes: ['/dav/'],
    applications: { accepted: ['webdav'], binding: 'webdav' },
    served: true,
    clientAddress: '/dav/',
  },
  sync: {
    id: 'sync',
    prefixes: ['/status.php', '/ocs/v1.php/cloud/', '/remote.php/dav/'],
    applications: { accepted: ['sync'], binding: 'sync' },
    served: false,
    // The Nextcloud desktop client asks for the server's address and finds the rest itself.
    clientAddress: '/',
  },
  // The desktop client's share dialog calls the share API too; a password first used here is the Outlook connector's.
  shares: {
    id: 'shares',
    prefixes: ['/ocs/v2.php/apps/files_sharing/api/v1/shares', '/s/'],
    applications: { accepted: ['outlook', 'sync'], binding: 'outlook' },
    served: false,
    clientAddress: '/',
  },
} as const satisfies Record<string, SurfaceDefinition>;

export type SurfaceId = keyof typeof SURFACES;

const ALL_SURFACES: readonly SurfaceDefinition[] = Object.values(SURFACES);

/** Where a password assigned to `application` is accepted. */
export function endpointsOf(application: string): string[] {
  return ALL_SURFACES.flatMap((surface) => (surface.applications.accepted.includes(application) ? [...surface.prefixes] : []));
}

/**
 * The path a client of `application` connects to: the address of the served
 * surface that binds to it, or null while no such surface is served (the
 * application has nothing to connect to yet).
 */
export function clientAddressOf(application: string): string | null {
  const surface = ALL_SURFACES.find((candidate) => candidate.served && candidate.applications.binding === application);
  return surface ? surface.clientAddress : null;
}

/** Whether `path` is `prefix` or lies under it (a prefix ending in '/' also matches itself without the slash). */
export function isUnderPrefix(path: string, prefix: string): boolean {
  return path === prefix.replace(/\/$/, '') || path.startsWith(prefix);
}

/** The surface serving a URL path, if any. */
export function surfaceOfPath(path: string): SurfaceDefinition | undefined {
  return ALL_SURFACES.find((surface) => surface.prefixes.some((prefix) => isUnderPrefix(path, prefix)));
}

/**
 * Where the web interface never answers: every surface's prefixes, and the
 * Nextcloud-compatible namespaces whole (`/ocs/v1.php/x` is the sync
 * surface's to refuse, even where no route of it exists yet).
 */
export const RESERVED_PREFIXES: readonly string[] = [
  ...ALL_SURFACES.flatMap((surface) => [...surface.prefixes]),
  '/remote.php/',
  '/ocs/',
];

/** Where a surface is mounted as a Fastify prefix: its first prefix, without the trailing slash ('/dav'). */
export function mountPrefixOf(surface: SurfaceDefinition): string {
  return surface.prefixes[0]!.replace(/\/$/, '');
}
