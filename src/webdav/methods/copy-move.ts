/**
 * COPY and MOVE (RFC 4918 §9.8, §9.9): Destination inside the user's own
 * space, Overwrite (default T), Depth (COPY of a folder: 0 or infinity;
 * MOVE: infinity only). Dead properties travel with the resource; a MOVE
 * keeps file ids and drops the source's locks; a COPY gets new ids and no
 * locks, and must fit in the quota. A lock on the source (MOVE) or the
 * destination themselves refuses the whole request (423); members locked
 * below them, or a COPY that fits only in part, give a 207 naming the
 * members left alone (webdav/member-transfer.ts).
 * Everything is checked before anything is deleted: a Destination that is
 * the source, lies inside it or is one of its ancestors (whose removal
 * would take the source with it) is refused with 403, and the conditional
 * headers are evaluated on the source.
 */
import { SesameError } from '../../errors.js';
import { evaluatePreconditions } from '../conditions.js';
import { pathKey } from '../../files/space-path.js';
import { assertNewName, parseDestination } from '../dav-path.js';
import { headerOf, statTarget, type DavHandler, type DavRequest } from '../dav-request.js';
import { assertMayChange, changeOf, lockedMembers } from '../locks.js';
import { subtreeBytes, transferByMember, transferWhole } from '../member-transfer.js';
import { freeBytes } from '../quota.js';
import { statusMultistatus } from '../xml-response.js';
import { removeSubtree } from './delete-mkcol.js';

function isWithin(inner: readonly string[], outer: readonly string[]): boolean {
  return inner.length >= outer.length && outer.every((name, i) => inner[i] === name);
}

async function copyOrMove(dav: DavRequest, move: boolean): Promise<void> {
  const stat = await statTarget(dav);
  if (!stat) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  const source = dav.target.segments;
  if (source.length === 0) throw new SesameError('DAV_FORBIDDEN', 'The root of your space cannot be copied or moved.');
  const destination = parseDestination(headerOf(dav, 'destination'), headerOf(dav, 'host')).segments;
  if (destination.length === 0 || isWithin(destination, source) || isWithin(source, destination)) {
    throw new SesameError('DAV_FORBIDDEN', 'The Destination cannot be the source, lie inside it, contain it, or be the root.');
  }
  if (evaluatePreconditions(dav.request.headers, stat, false) === 'failed') {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'A condition of this request does not hold.');
  }
  const overwriteHeader = (headerOf(dav, 'overwrite') ?? 'T').toUpperCase();
  if (overwriteHeader !== 'T' && overwriteHeader !== 'F')
    throw new SesameError('DAV_HEADER_INVALID', 'Overwrite must be T or F.');
  const depth = (headerOf(dav, 'depth') ?? 'infinity').toLowerCase();
  if (move ? depth !== 'infinity' : depth !== 'infinity' && depth !== '0') {
    throw new SesameError('DAV_HEADER_INVALID', move ? 'MOVE takes Depth: infinity.' : 'COPY takes Depth: 0 or infinity.');
  }
  const existing = await dav.store.stat(destination);
  if (!existing) assertNewName(destination);
  if (existing && overwriteHeader === 'F') {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'The Destination exists and Overwrite is F.');
  }
  const parent = await dav.store.stat(destination.slice(0, -1));
  if (!parent?.isDirectory) throw new SesameError('DAV_CONFLICT', "The Destination's parent folder does not exist.");
  const submitted = await assertMayChange(dav, stat, [...(move ? changeOf(source, false) : []), ...changeOf(destination, false)]);
  const to = pathKey(destination);
  const shallow = !move && stat.isDirectory && depth === '0';
  const plan = {
    move,
    shallow,
    lockedInSource: move ? await lockedMembers(dav, dav.key, submitted) : new Set<string>(),
    lockedInDestination: existing ? await lockedMembers(dav, to, submitted) : new Set<string>(),
  };
  const spare = move || shallow ? null : await freeBytes(dav);
  const fits =
    spare === null ||
    (await subtreeBytes(dav, source, stat)) <= spare + (existing ? await subtreeBytes(dav, destination, existing) : 0);
  if (!fits && !stat.isDirectory) {
    throw new SesameError('DAV_INSUFFICIENT_STORAGE', 'This copy would exceed your storage quota.');
  }
  if (fits && plan.lockedInSource.size === 0 && plan.lockedInDestination.size === 0) {
    if (existing) await removeSubtree(dav, destination, to);
    if (shallow) await dav.store.makeDirectory(destination);
    else await transferWhole(dav, source, destination, move);
    return void dav.reply.status(existing ? 204 : 201).send();
  }
  const refused = await transferByMember(dav, source, destination, plan, () =>
    spare === null ? Promise.resolve(null) : freeBytes(dav),
  );
  if (refused.length === 0) return void dav.reply.status(existing ? 204 : 201).send();
  dav.reply.status(207).type('application/xml; charset=utf-8').send(statusMultistatus(refused));
}

export const copyResource: DavHandler = (dav) => copyOrMove(dav, false);
export const moveResource: DavHandler = (dav) => copyOrMove(dav, true);
