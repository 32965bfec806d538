/**
 * The applications an app password can be assigned to: the WebDAV network
 * drive, the desktop sync client and the Outlook connector. An id here is
 * what a password is bound to and what each Basic-auth surface declares.
 */
import { SesameError } from '../errors.js';
import { clientAddressOf, endpointsOf } from '../surfaces/registry.js';

export interface Application {
  id: string;
  label: { fr: string; en: string };
  /** Where the application's requests are accepted (from the surface registry). */
  endpoints: string[];
  /** The path its client connects to, or null while no surface serves it yet (from the surface registry). */
  clientAddress: string | null;
}

const LABELS = {
  webdav: { fr: 'Lecteur réseau WebDAV', en: 'WebDAV network drive' },
  sync: { fr: 'Client de synchronisation', en: 'Desktop sync client' },
  outlook: { fr: 'Connecteur Outlook', en: 'Outlook connector' },
} as const;

export const APPLICATIONS: readonly Application[] = Object.entries(LABELS).map(([id, label]) => ({
  id,
  label,
  endpoints: endpointsOf(id),
  clientAddress: clientAddressOf(id),
}));

/** An address of this server as a client types it: `path` under PUBLIC_URL (which may itself have a path). */
export function publicAddress(publicUrl: URL, path: string): string {
  const base = publicUrl.href.endsWith('/') ? publicUrl.href : `${publicUrl.href}/`;
  return new URL(path.replace(/^\//, ''), base).href;
}

export function isApplicationId(id: string): boolean {
  return APPLICATIONS.some((app) => app.id === id);
}

export function requireApplication(id: string): string {
  if (!isApplicationId(id)) {
    throw new SesameError(
      'UNKNOWN_APPLICATION',
      `Unknown application "${id}"; known applications: ${APPLICATIONS.map((a) => a.id).join(', ')}.`,
    );
  }
  return id;
}
