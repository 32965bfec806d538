/**
 * The capabilities the OCS API advertises (`cloud/capabilities`), as a
 * registry: one entry per feature that is served, each giving its
 * top-level keys. A client believes what is advertised and has no fallback
 * (a `dav.bulkupload` without `POST /remote.php/dav/bulk` breaks its
 * uploads), so an entry is added here with the feature it describes, never
 * before: the files surface adds `dav` (chunking) and `checksums`, the
 * share API `files_sharing`. `core` is always there (clients dereference it
 * without a guard).
 */
import { serverStatus } from './server-version.js';

export interface CapabilityContext {
  publicUrl: URL;
}

export interface CapabilitySource {
  /** Who advertises (for the check that no two sources give the same key). */
  id: string;
  capabilities(context: CapabilityContext): Record<string, Record<string, unknown>>;
}

/** Nextcloud's core capabilities: how often to poll, the legacy WebDAV root, and the server's status. */
const core: CapabilitySource = {
  id: 'core',
  capabilities: () => ({
    core: {
      pollinterval: 60,
      'webdav-root': 'remote.php/webdav',
      status: serverStatus(),
    },
  }),
};

export const CAPABILITY_SOURCES: readonly CapabilitySource[] = [core];

/** Every source's capabilities in one object; two sources giving one key is a programming error. */
export function collectCapabilities(
  context: CapabilityContext,
  sources: readonly CapabilitySource[] = CAPABILITY_SOURCES,
): Record<string, Record<string, unknown>> {
  const all: Record<string, Record<string, unknown>> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source.capabilities(context))) {
      if (key in all) throw new Error(`capability "${key}" advertised twice (again by ${source.id})`);
      all[key] = value;
    }
  }
  return all;
}
