/**
 * COPY and MOVE (RFC 4918 §9.8, §9.9): Destination inside the user's own
 * space, Overwrite (default T), Depth (COPY of a folder: 0 or infinity;
 * MOVE: infinity only). Dead properties travel with the resource; a MOVE
 * keeps file ids and drops the source's locks; a COPY gets new ids and no
 * locks.
 */
import { SesameError } from '../../errors.js';
import { moveFileIds } from '../../repositories/file-ids.js';
import { pathKey } from '../../files/space-path.js';
import { parseDestination } from '../dav-path.js';
import { headerOf, statTarget, type DavHandler, type DavRequest } from '../dav-request.js';
import { assertMayChange, changeOf } from '../locks.js';
import { deleteLocksUnder } from '../../repositories/dav-locks.js';
import { transferProperties } from '../../repositories/dav-properties.js';
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
  if (destination.length === 0 || isWithin(destination, source)) {
    throw new SesameError('DAV_FORBIDDEN', 'The Destination cannot be the source, lie inside it, or be the root.');
  }
  const overwriteHeader = (headerOf(dav, 'overwrite') ?? 'T').toUpperCase();
  if (overwriteHeader !== 'T' && overwriteHeader !== 'F')
    throw new SesameError('DAV_HEADER_INVALID', 'Overwrite must be T or F.');
  const depth = (headerOf(dav, 'depth') ?? 'infinity').toLowerCase();
  if (move ? depth !== 'infinity' : depth !== 'infinity' && depth !== '0') {
    throw new SesameError('DAV_HEADER_INVALID', move ? 'MOVE takes Depth: infinity.' : 'COPY takes Depth: 0 or infinity.');
  }
  const existing = await dav.store.stat(destination);
  if (existing && overwriteHeader === 'F') {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'The Destination exists and Overwrite is F.');
  }
  const parent = await dav.store.stat(destination.slice(0, -1));
  if (!parent?.isDirectory) throw new SesameError('DAV_CONFLICT', "The Destination's parent folder does not exist.");
  await assertMayChange(dav, stat, [...(move ? changeOf(source, true) : []), ...changeOf(destination, true)]);

  const from = dav.key;
  const to = pathKey(destination);
  if (existing) await removeSubtree(dav, destination, to);
  const { db, clock } = dav.services;
  if (move) {
    await dav.store.move(source, destination);
    await transferProperties(db, dav.userId, from, to, false);
    await moveFileIds(db, dav.userId, from, to);
    await deleteLocksUnder(db, dav.userId, from, clock.now());
  } else if (stat.isDirectory && depth === '0') {
    await dav.store.makeDirectory(destination);
  } else {
    await dav.store.copy(source, destination);
    await transferProperties(db, dav.userId, from, to, true);
  }
  dav.reply.status(existing ? 204 : 201).send();
}

export const copyResource: DavHandler = (dav) => copyOrMove(dav, false);
export const moveResource: DavHandler = (dav) => copyOrMove(dav, true);
