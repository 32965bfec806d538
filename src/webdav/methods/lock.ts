/**
 * LOCK (create or refresh) and UNLOCK (RFC 4918 §9.10, §9.11): exclusive
 * and shared write locks, Depth 0 or infinity, Timeout (at most a week),
 * an owner of at most 4 KiB. A lock on an unmapped URL creates an empty
 * file and answers 201.
 */
import { SesameError } from '../../errors.js';
import { emptyBody } from '../../files/local-disk-store.js';
import { assertNewName } from '../dav-path.js';
import { headerOf, statTarget, type DavHandler, type DavRequest } from '../dav-request.js';
import { activeLockXml } from '../live-properties.js';
import { createLock, DEFAULT_LOCK_SECONDS, MAX_LOCK_SECONDS, refreshLock, removeLock } from '../locks.js';
import type { DavLock } from '../../repositories/dav-locks.js';
import { child, childElements, DAV_NS, readXml } from '../xml-request.js';
import { serializeNodes, XML_DECLARATION } from '../xml-response.js';

/** A lock's owner names a person or a client (a URL, an e-mail address): kept, and sent in every lockdiscovery. */
export const MAX_OWNER_BYTES = 4096;

/** The first usable value of `Timeout: Second-n, Infinite`, capped. */
export function lockTimeout(header: string | undefined): number {
  for (const part of (header ?? '').split(',').map((p) => p.trim())) {
    if (/^infinite$/i.test(part)) return MAX_LOCK_SECONDS;
    const match = /^second-(\d{1,12})$/i.exec(part);
    if (match) return Math.max(1, Math.min(Number(match[1]), MAX_LOCK_SECONDS));
  }
  return DEFAULT_LOCK_SECONDS;
}

function sendLock(dav: DavRequest, lock: DavLock, status: number): void {
  dav.reply
    .status(status)
    .header('lock-token', `<${lock.token}>`)
    .type('application/xml; charset=utf-8')
    .send(`${XML_DECLARATION}<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock)}</D:lockdiscovery></D:prop>\n`);
}

export const lockResource: DavHandler = async (dav) => {
  const timeoutSeconds = lockTimeout(headerOf(dav, 'timeout'));
  const info = await readXml(dav.body);
  if (info === null) return sendLock(dav, await refreshLock(dav, timeoutSeconds), 200);
  if (info.ns !== DAV_NS || info.local !== 'lockinfo')
    throw new SesameError('DAV_XML_INVALID', 'LOCK expects a DAV:lockinfo body.');
  const scopeElement = child(info, DAV_NS, 'lockscope');
  const scope = scopeElement && childElements(scopeElement).find((e) => e.ns === DAV_NS)?.local;
  if (scope !== 'exclusive' && scope !== 'shared')
    throw new SesameError('DAV_XML_INVALID', 'lockscope must be exclusive or shared.');
  const typeElement = child(info, DAV_NS, 'locktype');
  if (!typeElement || !child(typeElement, DAV_NS, 'write')) throw new SesameError('DAV_XML_INVALID', 'Only write locks exist.');
  const depthHeader = (headerOf(dav, 'depth') ?? 'infinity').toLowerCase();
  if (depthHeader !== '0' && depthHeader !== 'infinity')
    throw new SesameError('DAV_HEADER_INVALID', 'LOCK takes Depth 0 or infinity.');

  const { segments } = dav.target;
  const stat = await statTarget(dav);
  if (!stat) {
    assertNewName(segments);
    const parent = await dav.store.stat(segments.slice(0, -1));
    if (!parent?.isDirectory) throw new SesameError('DAV_CONFLICT', 'The parent folder does not exist.');
  }
  const ownerElement = child(info, DAV_NS, 'owner');
  const owner = ownerElement ? serializeNodes(ownerElement.children) : '';
  if (Buffer.byteLength(owner) > MAX_OWNER_BYTES) {
    throw new SesameError('DAV_XML_INVALID', `The lock owner may be at most ${MAX_OWNER_BYTES} bytes of XML.`);
  }
  const lock = await createLock(dav, { segments, depth: depthHeader, scope, owner, timeoutSeconds });
  if (!stat) await dav.store.write(segments, emptyBody(), { maxBytes: null });
  sendLock(dav, lock, stat ? 200 : 201);
};

export const unlockResource: DavHandler = async (dav) => {
  const match = /^\s*<([^>]+)>\s*$/.exec(headerOf(dav, 'lock-token') ?? '');
  if (!match) throw new SesameError('DAV_HEADER_INVALID', 'UNLOCK needs a Lock-Token header: <token>.');
  await removeLock(dav, match[1]!);
  dav.reply.status(204).send();
};
