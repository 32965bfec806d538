/**
 * The one registry of Basic-auth surfaces (SPEC §2): where each surface
 * lives, which applications' passwords it accepts, the application an
 * unassigned password is bound to there, and how it answers errors. The
 * applications' public endpoint lists are derived from it, so the two
 * cannot disagree. Surfaces not yet served are declared here already:
 * their passwords can be assigned today.
 */

export type ErrorFormat = 'json' | 'xml';

export interface SurfaceDefinition {
  id: string;
  /** Path prefixes served by this surface (each ends with '/' or names one resource). */
  prefixes: readonly string[];
  /** Applications whose passwords are accepted; the first one is what an unassigned password binds to. */
  applications: readonly [string, ...string[]];
  errorFormat: ErrorFormat;
}

export const SURFACES = {
  webdav: { id: 'webdav', prefixes: ['/dav/'], applications: ['webdav'], errorFormat: 'xml' },
  sync: {
    id: 'sync',
    prefixes: ['/status.php', '/ocs/v1.php/cloud/', '/remote.php/dav/'],
    applications: ['sync'],
    errorFormat: 'xml',
  },
  shares: {
    id: 'shares',
    prefixes: ['/ocs/v2.php/apps/files_sharing/api/v1/shares', '/s/'],
    applications: ['outlook', 'sync'],
    errorFormat: 'xml',
  },
} as const satisfies Record<string, SurfaceDefinition>;

export type SurfaceId = keyof typeof SURFACES;

/** Where a password assigned to `application` is accepted. */
export function endpointsOf(application: string): string[] {
  return Object.values(SURFACES).flatMap((surface) =>
    (surface.applications as readonly string[]).includes(application) ? [...surface.prefixes] : [],
  );
}

/** The surface serving a URL path, if any. */
export function surfaceOfPath(path: string): SurfaceDefinition | undefined {
  return Object.values(SURFACES).find((surface) =>
    surface.prefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix)),
  );
}
