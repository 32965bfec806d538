/**
 * The live properties of a resource (RFC 4918 §15) as XML: computed from
 * its FileStat and the user's locks, never stored. Also the lockdiscovery
 * XML that LOCK answers with. PROPPATCH may not change any of them.
 */
import type { FileStat, StorePath } from '../files/file-store.js';
import { segmentsOf } from '../files/space-path.js';
import { etagOf, httpDate } from './conditions.js';
import { hrefOf } from './dav-path.js';
import type { DavLock } from '../repositories/dav-locks.js';
import { DAV_NS } from './xml-request.js';
import { escapeXml } from './xml-response.js';

export const OC_NS = 'http://owncloud.org/ns';

/** Live properties listed by allprop and propname, in DAV:. */
export const LIVE_PROPERTIES = [
  'resourcetype',
  'getcontentlength',
  'getlastmodified',
  'getetag',
  'getcontenttype',
  'supportedlock',
  'lockdiscovery',
] as const;

const SUPPORTED_LOCK =
  '<D:supportedlock>' +
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '</D:supportedlock>';

export function activeLockXml(lock: DavLock): string {
  return (
    '<D:activelock>' +
    `<D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
    `<D:depth>${lock.depth}</D:depth>` +
    (lock.owner === '' ? '' : `<D:owner>${lock.owner}</D:owner>`) +
    `<D:timeout>Second-${lock.timeoutSeconds}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(hrefOf(segmentsOf(lock.path), false))}</D:href></D:lockroot>` +
    '</D:activelock>'
  );
}

export function lockDiscoveryXml(locks: DavLock[]): string {
  return locks.length === 0 ? '<D:lockdiscovery/>' : `<D:lockdiscovery>${locks.map(activeLockXml).join('')}</D:lockdiscovery>`;
}

/** Locks that cover `segments`: on it, or on an ancestor with depth infinity. */
export function locksCovering(locks: DavLock[], segments: StorePath): DavLock[] {
  const key = `/${segments.join('/')}`;
  return locks.filter((lock) => {
    if (lock.path === key) return true;
    if (lock.depth !== 'infinity') return false;
    return lock.path === '/' || key.startsWith(`${lock.path}/`);
  });
}

export interface LiveContext {
  stat: FileStat;
  segments: StorePath;
  /** All active locks of the user, or null when no lock property is asked for. */
  locks: DavLock[] | null;
  fileId: string | undefined;
}

/** XML of one live property, or undefined if the resource has no such property. */
export function liveProperty(ns: string, name: string, live: LiveContext): string | undefined {
  const { stat } = live;
  if (ns === OC_NS)
    return name === 'fileid' && live.fileId !== undefined
      ? `<fileid xmlns="${OC_NS}">${escapeXml(live.fileId)}</fileid>`
      : undefined;
  if (ns !== DAV_NS) return undefined;
  switch (name) {
    case 'resourcetype':
      return stat.isDirectory ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>';
    case 'getcontentlength':
      return stat.isDirectory ? undefined : `<D:getcontentlength>${stat.size}</D:getcontentlength>`;
    case 'getlastmodified':
      return `<D:getlastmodified>${httpDate(stat.mtimeMs)}</D:getlastmodified>`;
    case 'getetag':
      return stat.isDirectory ? undefined : `<D:getetag>${escapeXml(etagOf(stat))}</D:getetag>`;
    case 'getcontenttype':
      return stat.isDirectory ? undefined : '<D:getcontenttype>application/octet-stream</D:getcontenttype>';
    case 'supportedlock':
      return SUPPORTED_LOCK;
    case 'lockdiscovery':
      return lockDiscoveryXml(live.locks ? locksCovering(live.locks, live.segments) : []);
    default:
      return undefined;
  }
}

export function isLiveProperty(ns: string, name: string): boolean {
  return (ns === DAV_NS && (LIVE_PROPERTIES as readonly string[]).includes(name)) || (ns === OC_NS && name === 'fileid');
}
