/**
 * The applications an app password can be assigned to (SPEC §2). An id here
 * is what a password is bound to and what each Basic-auth surface declares.
 */
import { SesameError } from '../errors.js';

export interface Application {
  id: string;
  label: { fr: string; en: string };
  /** Where the application's requests are accepted. */
  endpoints: string[];
}

export const APPLICATIONS: readonly Application[] = [
  {
    id: 'webdav',
    label: { fr: 'Lecteur réseau WebDAV', en: 'WebDAV network drive' },
    endpoints: ['/dav/'],
  },
  {
    id: 'sync',
    label: { fr: 'Client de synchronisation', en: 'Desktop sync client' },
    endpoints: ['/status.php', '/ocs/v1.php/cloud/', '/remote.php/dav/'],
  },
  {
    id: 'outlook',
    label: { fr: 'Connecteur Outlook', en: 'Outlook connector' },
    endpoints: ['/ocs/v2.php/apps/files_sharing/api/v1/shares', '/s/'],
  },
];

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
