/**
 * PROPFIND (RFC 4918 §9.1) at Depth 0 or 1 (infinity refused with 403
 * propfind-finite-depth): allprop (also for an empty body, as Windows
 * sends), propname, or named properties. One listing of the folder, one
 * query for dead properties and, only if lock properties are wanted, one
 * for locks; the answer is built as one string, one listing at a time per
 * process.
 */
import { SesameError } from '../../errors.js';
import type { DirEntry, FileStat } from '../../files/file-store.js';
import { fileIdOf, fileIdsUnder } from '../../repositories/file-ids.js';
import { pathKey } from '../../files/space-path.js';
import { hrefOf } from '../dav-path.js';
import { headerOf, statTarget, type DavHandler, type DavRequest } from '../dav-request.js';
import { activeLocks } from '../../repositories/dav-locks.js';
import { LIVE_PROPERTIES, liveProperty, OC_NS, type LiveContext } from '../live-properties.js';
import { propertiesUnder, type DeadProperty } from '../../repositories/dav-properties.js';
import { childElements, DAV_NS, readXml, type XmlElement } from '../xml-request.js';
import { escapeXml, openTag, statusLine, XML_DECLARATION } from '../xml-response.js';

/**
 * Distinct properties a PROPFIND may name (the same name twice counts once): clients
 * name a few dozen; each is answered for every resource of a listing.
 */
export const MAX_NAMED_PROPERTIES = 256;

type Request = { kind: 'allprop' } | { kind: 'propname' } | { kind: 'prop'; names: { ns: string; local: string }[] };

function parsePropfind(root: XmlElement | null): Request {
  if (root === null) return { kind: 'allprop' };
  if (root.ns !== DAV_NS || root.local !== 'propfind')
    throw new SesameError('DAV_XML_INVALID', 'PROPFIND expects a DAV:propfind body.');
  const first = childElements(root).find((e) => e.ns === DAV_NS && ['allprop', 'propname', 'prop'].includes(e.local));
  if (!first) throw new SesameError('DAV_XML_INVALID', 'DAV:propfind needs allprop, propname or prop.');
  if (first.local === 'prop') {
    const names = new Map(childElements(first).map((e) => [`${e.ns}\u0000${e.local}`, { ns: e.ns, local: e.local }]));
    if (names.size > MAX_NAMED_PROPERTIES) {
      throw new SesameError('DAV_XML_INVALID', `A PROPFIND may name at most ${MAX_NAMED_PROPERTIES} properties; use allprop.`);
    }
    return { kind: 'prop', names: [...names.values()] };
  }
  return { kind: first.local as 'allprop' | 'propname' };
}

function emptyElement(ns: string, local: string): string {
  return `${openTag(ns, local).open}/>`;
}

function deadXml(property: DeadProperty): string {
  const tag = openTag(property.namespace, property.name);
  return property.value === '' ? `${tag.open}/>` : `${tag.open}>${property.value}${tag.close}`;
}

function propstat(props: string, status: number): string {
  return `<D:propstat><D:prop>${props}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`;
}

function responseXml(request: Request, live: LiveContext, dead: DeadProperty[]): string {
  const href = `<D:href>${escapeXml(hrefOf(live.segments, live.stat.isDirectory))}</D:href>`;
  if (request.kind === 'propname') {
    const names = LIVE_PROPERTIES.filter((name) => liveProperty(DAV_NS, name, live) !== undefined).map((name) => `<D:${name}/>`);
    return `<D:response>${href}${propstat(names.join('') + dead.map((p) => emptyElement(p.namespace, p.name)).join(''), 200)}</D:response>`;
  }
  if (request.kind === 'allprop') {
    const found = LIVE_PROPERTIES.map((name) => liveProperty(DAV_NS, name, live) ?? '').join('') + dead.map(deadXml).join('');
    return `<D:response>${href}${propstat(found, 200)}</D:response>`;
  }
  let found = '';
  let missing = '';
  const deadByName = new Map(dead.map((p) => [`${p.namespace}\u0000${p.name}`, p]));
  for (const { ns, local } of request.names) {
    const value = liveProperty(ns, local, live) ?? deadByName.get(`${ns}\u0000${local}`);
    if (value === undefined) missing += emptyElement(ns, local);
    else found += typeof value === 'string' ? value : deadXml(value);
  }
  return `<D:response>${href}${found ? propstat(found, 200) : ''}${missing ? propstat(missing, 404) : ''}</D:response>`;
}

function wants(request: Request, ns: string, local: string): boolean {
  return request.kind === 'allprop'
    ? ns === DAV_NS
    : request.kind === 'prop' && request.names.some((n) => n.ns === ns && n.local === local);
}

export const propfind: DavHandler = async (dav) => {
  const depth = (headerOf(dav, 'depth') ?? 'infinity').toLowerCase();
  if (depth === 'infinity') {
    throw new SesameError('DAV_DEPTH_INFINITY', 'PROPFIND with Depth: infinity is not supported; use Depth 0 or 1.');
  }
  if (depth !== '0' && depth !== '1') throw new SesameError('DAV_HEADER_INVALID', 'Depth must be 0, 1 or infinity.');
  const request = parsePropfind(await readXml(dav.body));
  const stat = await statTarget(dav);
  if (!stat) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');

  const { db, clock } = dav.services;
  const needsDead = request.kind !== 'prop' || request.names.some((n) => n.ns !== DAV_NS);
  const dead = needsDead ? await propertiesUnder(db, dav.userId, dav.key) : new Map<string, DeadProperty[]>();
  const locks = wants(request, DAV_NS, 'lockdiscovery') ? await activeLocks(db, dav.userId, clock.now()) : null;
  await oneListingAtATime(() => answer(dav, request, depth === '1' && stat.isDirectory, { stat, dead, locks }));
};

/**
 * The listings of one process are built one after the other: the work is
 * the process's CPU either way, and requests released together (by the
 * shared auth-state read) would otherwise each hold their listing and its
 * answer at once — a PROPFIND Depth 1 of 1 000 entries spent 3–4× more time
 * collecting garbage under 16 connections (docs/BENCHMARKS.md).
 */
let lastListing: Promise<unknown> = Promise.resolve();
function oneListingAtATime(work: () => Promise<void>): Promise<void> {
  const run = lastListing.then(work);
  lastListing = run.catch(() => undefined);
  return run;
}

async function answer(
  dav: DavRequest,
  request: Request,
  withMembers: boolean,
  known: { stat: FileStat; dead: Map<string, DeadProperty[]>; locks: LiveContext['locks'] },
): Promise<void> {
  const { stat, dead, locks } = known;
  const { db } = dav.services;
  const entries: DirEntry[] = withMembers ? await dav.store.list(dav.target.segments) : [];
  let fileIds: Map<string, string> | null = null;
  if (wants(request, OC_NS, 'fileid')) {
    await fileIdOf(db, dav.userId, dav.key);
    for (const entry of entries) await fileIdOf(db, dav.userId, pathKey([...dav.target.segments, entry.name]));
    fileIds = await fileIdsUnder(db, dav.userId, dav.key);
  }

  const parts = [XML_DECLARATION, '<D:multistatus xmlns:D="DAV:">'];
  const describe = (segments: readonly string[], entryStat: typeof stat) => {
    const key = pathKey(segments);
    parts.push(responseXml(request, { stat: entryStat, segments, locks, fileId: fileIds?.get(key) }, dead.get(key) ?? []));
  };
  describe(dav.target.segments, stat);
  for (const entry of entries) describe([...dav.target.segments, entry.name], entry.stat);
  parts.push('</D:multistatus>\n');
  dav.reply.status(207).type('application/xml; charset=utf-8').send(parts.join(''));
}
