/**
 * The one registry of Basic-auth surfaces (SPEC §2): where each surface
 * lives, which set of applications' passwords it accepts, the application an
 * unassigned password is bound to there (stated, never implied by order),
 * and how it answers errors. The applications' public endpoint lists are
 * derived from it, so the two cannot disagree. Surfaces not yet served are declared here already:
 * their passwords can be assigned today.
 */

import type { AcceptedApplications } from '../app-passwords/verify.js';

export type ErrorFormat = 'json' | 'xml';

export interface SurfaceDefinition {
  id: string;
  /** Path prefixes served by this surface (each ends with '/' or names one resource). */
  prefixes: readonly string[];
  /** Applications whose passwords are accepted, and the one an unassigned password is bound to here. */
  applications: AcceptedApplications;
  errorFormat: ErrorFormat;
}

export const SURFACES = {
  webdav: { id: 'webdav', prefixes: ['/dav/'], applications: { accepted: ['webdav'], binding: 'webdav' }, errorFormat: 'xml' },
  sync: {
    id: 'sync',
    prefixes: ['/status.php', '/ocs/v1.php/cloud/', '/remote.php/dav/'],
    applications: { accepted: ['sync'], binding: 'sync' },
    errorFormat: 'xml',
  },
  // The desktop client's share dialog calls the share API too; a password first used here is the Outlook connector's.
  shares: {
    id: 'shares',
    prefixes: ['/ocs/v2.php/apps/files_sharing/api/v1/shares', '/s/'],
    applications: { accepted: ['outlook', 'sync'], binding: 'outlook' },
    errorFormat: 'xml',
  },
} as const satisfies Record<string, SurfaceDefinition>;

export type SurfaceId = keyof typeof SURFACES;

const ALL_SURFACES: readonly SurfaceDefinition[] = Object.values(SURFACES);

/** Where a password assigned to `application` is accepted. */
export function endpointsOf(application: string): string[] {
  return ALL_SURFACES.flatMap((surface) => (surface.applications.accepted.includes(application) ? [...surface.prefixes] : []));
}

/** The surface serving a URL path, if any. */
export function surfaceOfPath(path: string): SurfaceDefinition | undefined {
  return ALL_SURFACES.find((surface) =>
    surface.prefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix)),
  );
}
