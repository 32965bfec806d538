/**
 * The one registry of Basic-auth surfaces: where each surface lives, which
 * set of applications' passwords it accepts, the application an unassigned
 * password is bound to there (stated, never implied by order; none where
 * every accepted application calls alike), whether it is served yet, and
 * the address a client is given to connect to it. The applications'
 * public endpoint lists and their « Comment se connecter » addresses are
 * derived from it, so none can disagree; so are the prefixes the web
 * interface leaves to other surfaces. Surfaces not yet served are declared
 * here already: their passwords can be assigned today, and the interface
 * says there is nothing to connect them to until `served` is true. The
 * public Nextcloud-compatible endpoints, which take no password at all, are
 * listed here too.
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
  /** The path a client of the binding application is given to connect (joined to PUBLIC_URL); null without a binding application. */
  clientAddress: string | null;
}

export const SURFACES = {
  webdav: {
    id: 'webdav',
    prefixes: ['/dav/'],
    applications: { accepted: ['webdav'], binding: 'webdav' },
    served: true,
    clientAddress: '/dav/',
  },
  // The sync clients' files. Served once /remote.php/dav/files/<user>/ exists: then this one flag gives
  // the sync client its address (PUBLIC_URL, typed into the client, which finds the rest itself).
  sync: {
    id: 'sync',
    prefixes: ['/remote.php/dav/'],
    applications: { accepted: ['sync'], binding: 'sync' },
    served: false,
    clientAddress: '/',
  },
  // The OCS calls that the sync clients and the mail connectors both make before anything else (capabilities,
  // the user, the app-password calls): both applications are accepted, and an unassigned password stays unassigned
  // here, to be bound where its use tells which application it serves (the files, the share API).
  ocs: {
    id: 'ocs',
    prefixes: ['/ocs/v1.php/cloud/', '/ocs/v2.php/cloud/', '/ocs/v1.php/core/', '/ocs/v2.php/core/'],
    applications: { accepted: ['sync', 'outlook'], binding: null },
    served: true,
    clientAddress: null,
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

/**
 * The Nextcloud-compatible endpoints that take no password (a Basic header
 * sent there is never checked): the server's status, and Login Flow v2,
 * whose poll is answered to the holder of its token.
 */
export const PUBLIC_ENDPOINTS: readonly string[] = ['/status.php', '/index.php/login/v2'];

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
  return surface?.clientAddress ?? null;
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
 * Where the web interface never answers: every surface's prefixes, the
 * public endpoints, and the Nextcloud-compatible namespaces whole
 * (`/ocs/v2.php/x` is the OCS surface's to refuse, even where no route of
 * it exists yet).
 */
export const RESERVED_PREFIXES: readonly string[] = [
  ...ALL_SURFACES.flatMap((surface) => [...surface.prefixes]),
  ...PUBLIC_ENDPOINTS,
  '/remote.php/',
  '/ocs/',
  '/index.php/',
];

/** Where a surface is mounted as a Fastify prefix: its first prefix, without the trailing slash ('/dav'). */
export function mountPrefixOf(surface: SurfaceDefinition): string {
  return surface.prefixes[0]!.replace(/\/$/, '');
}
