/**
 * DELETE (recursive, Depth infinity only; 207 when locked members must
 * stay) and MKCOL (no body, parent must exist). DELETE also drops the dead
 * properties, file ids and locks of what it removed.
 */
import { SesameError } from '../../errors.js';
import { forgetFileIds } from '../../repositories/file-ids.js';
import { pathKey } from '../../files/space-path.js';
import { evaluatePreconditions } from '../conditions.js';
import { assertNewName, hrefOf } from '../dav-path.js';
import { statusMultistatus, type Refusal } from '../xml-response.js';
import { headerOf, statTarget, type DavHandler, type DavRequest } from '../dav-request.js';
import { assertMayChange, changeOf, lockedMembers } from '../locks.js';
import { deleteLocksUnder } from '../../repositories/dav-locks.js';
import { forgetProperties } from '../../repositories/dav-properties.js';

/** Removes a subtree and all its database state. */
export async function removeSubtree(dav: DavRequest, segments: readonly string[], key: string): Promise<void> {
  await dav.store.remove(segments);
  const { db, clock } = dav.services;
  await forgetProperties(db, dav.userId, key);
  await forgetFileIds(db, dav.userId, key);
  await deleteLocksUnder(db, dav.userId, key, clock.now());
}

export const deleteResource: DavHandler = async (dav) => {
  const stat = await statTarget(dav);
  if (!stat) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  if (dav.target.segments.length === 0) throw new SesameError('DAV_FORBIDDEN', 'The root of your space cannot be deleted.');
  const depth = headerOf(dav, 'depth');
  if (stat.isDirectory && depth !== undefined && depth.toLowerCase() !== 'infinity') {
    throw new SesameError('DAV_HEADER_INVALID', 'DELETE of a folder takes Depth: infinity.');
  }
  if (evaluatePreconditions(dav.request.headers, stat, false) === 'failed') {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'A condition of this request does not hold.');
  }
  const submitted = await assertMayChange(dav, stat, changeOf(dav.target.segments, false));
  const lockedBelow = await lockedMembers(dav, dav.key, submitted);
  if (lockedBelow.size === 0) {
    await removeSubtree(dav, dav.target.segments, dav.key);
    return void dav.reply.status(204).send();
  }
  const refused: Refusal[] = [];
  await removeUnlocked(dav, dav.target.segments, lockedBelow, refused);
  dav.reply.status(207).type('application/xml; charset=utf-8').send(statusMultistatus(refused));
};

/**
 * RFC 4918 §9.6.1: deletes what it can below a folder whose members are
 * locked by tokens not submitted, keeping those members (reported 423) and
 * the folders that still hold them. True if `segments` is gone. Also the
 * Overwrite of a COPY or MOVE onto such a folder.
 */
export async function removeUnlocked(
  dav: DavRequest,
  segments: readonly string[],
  locked: ReadonlySet<string>,
  refused: Refusal[],
): Promise<boolean> {
  const key = pathKey(segments);
  const stat = await dav.store.stat(segments);
  if (locked.has(key)) {
    refused.push({ href: hrefOf(segments, stat?.isDirectory ?? false), status: 423 });
    return false;
  }
  const holdsLocked = [...locked].some((path) => path.startsWith(`${key}/`));
  if (!holdsLocked) {
    await removeSubtree(dav, segments, key);
    return true;
  }
  let all = true;
  for (const entry of await dav.store.list(segments)) {
    all = (await removeUnlocked(dav, [...segments, entry.name], locked, refused)) && all;
  }
  if (all) await removeSubtree(dav, segments, key);
  return all;
}

export const makeCollection: DavHandler = async (dav) => {
  const length = headerOf(dav, 'content-length');
  if ((length !== undefined && length !== '0') || headerOf(dav, 'transfer-encoding') !== undefined) {
    throw new SesameError('DAV_MEDIA_TYPE_UNSUPPORTED', 'MKCOL takes no request body.');
  }
  const { segments } = dav.target;
  if (await dav.store.stat(segments)) throw new SesameError('DAV_METHOD_NOT_ALLOWED', 'Something already exists there.');
  assertNewName(segments);
  const parent = await dav.store.stat(segments.slice(0, -1));
  if (!parent?.isDirectory) throw new SesameError('DAV_CONFLICT', 'The parent folder does not exist.');
  await assertMayChange(dav, null, changeOf(segments, false));
  await dav.store.makeDirectory(segments);
  dav.reply.status(201).send();
};
