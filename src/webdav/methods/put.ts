/**
 * PUT: streams the body into the store's atomic write (temporary file,
 * fsync, rename), after the conditional headers, the locks and the quota
 * allow it; the quota is checked again when the file is put in place. 201 for a new file, 204 for a replaced one. Partial PUT
 * (Content-Range) is refused, never applied as a whole-file write.
 */
import { SesameError } from '../../errors.js';
import { etagOf, evaluatePreconditions } from '../conditions.js';
import { assertNewName } from '../dav-path.js';
import { headerOf, type DavHandler } from '../dav-request.js';
import { assertMayChange, changeOf } from '../locks.js';
import { commitUnderQuota, writeAllowance } from '../quota.js';
import { bodyForStore } from '../request-body.js';

export const putResource: DavHandler = async (dav) => {
  const { segments } = dav.target;
  if (segments.length === 0) throw new SesameError('DAV_METHOD_NOT_ALLOWED', 'The root of your space is a folder.');
  if (headerOf(dav, 'content-range') !== undefined) {
    throw new SesameError('DAV_HEADER_INVALID', 'Partial PUT with Content-Range is not supported.');
  }
  const stat = await dav.store.stat(segments);
  if (stat?.isDirectory) throw new SesameError('DAV_METHOD_NOT_ALLOWED', 'A folder cannot be written as a file.');
  if (dav.target.trailingSlash) throw new SesameError('DAV_CONFLICT', 'A file name cannot end with "/".');
  if (!stat) assertNewName(segments);
  if (evaluatePreconditions(dav.request.headers, stat, false) === 'failed') {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'A condition of this request does not hold.');
  }
  await assertMayChange(dav, stat, changeOf(segments, false));
  const parent = await dav.store.stat(segments.slice(0, -1));
  if (!parent?.isDirectory) throw new SesameError('DAV_CONFLICT', 'The parent folder does not exist.');
  const maxBytes = await writeAllowance(dav, stat);
  const commit = await commitUnderQuota(dav, segments);
  const written = await dav.store.write(segments, bodyForStore(dav.request.raw), { maxBytes, ...(commit ? { commit } : {}) });
  dav.reply.header('etag', etagOf(written));
  dav.reply.status(stat ? 204 : 201).send();
};
