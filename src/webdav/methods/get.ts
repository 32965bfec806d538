/**
 * GET and HEAD: a file's bytes with strong ETag and Last-Modified, 304/412
 * from the conditional headers, one byte Range (206/416). The state and the
 * bytes come from one `open` of the store: a small file as one buffer (from
 * the server's small-file cache after one lstat, or from one safe read),
 * a larger one from its handle, streamed. A collection answers a short HTML
 * listing. Never buffers a large file, never leaves a handle open.
 */
import { SesameError } from '../../errors.js';
import type { OpenFile } from '../../files/file-store.js';
import { etagOf, evaluatePreconditions, httpDate, requestedRange } from '../conditions.js';
import { encodeName } from '../dav-path.js';
import type { DavHandler, DavRequest } from '../dav-request.js';
import { escapeXml } from '../xml-response.js';

export const getResource: DavHandler = async (dav) => {
  const file = await dav.store.open(dav.target.segments);
  if (!file) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  let handedOver = false;
  try {
    handedOver = await answer(dav, file);
  } finally {
    if (!handedOver) file.close();
  }
};

/** Sends the answer; true if the file's handle went with the body. */
async function answer(dav: DavRequest, file: OpenFile): Promise<boolean> {
  const { reply, request, target } = dav;
  const { stat } = file;
  // `name/` on a file: a collection was meant.
  if (!stat.isDirectory && target.trailingSlash && target.segments.length > 0) {
    throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  }
  const head = request.method === 'HEAD';
  reply.header('etag', etagOf(stat)).header('last-modified', httpDate(stat.mtimeMs)).header('cache-control', 'private, no-cache');
  const precondition = evaluatePreconditions(request.headers, stat, true);
  if (precondition === 'not-modified') {
    reply.status(304).send();
    return false;
  }
  if (precondition === 'failed') throw new SesameError('DAV_PRECONDITION_FAILED', 'A condition of this request does not hold.');

  if (stat.isDirectory) {
    const entries = (await dav.store.list(target.segments)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const items = entries
      .map((e) => `<li><a href="${encodeName(e.name)}${e.stat.isDirectory ? '/' : ''}">${escapeXml(e.name)}</a></li>`)
      .join('');
    const html = `<!doctype html><meta charset="utf-8"><title>Sésame</title><ul>${items}</ul>\n`;
    reply.type('text/html; charset=utf-8').send(head ? undefined : html);
    return false;
  }

  reply.header('accept-ranges', 'bytes').type('application/octet-stream');
  let range;
  try {
    range = requestedRange(request.headers, stat);
  } catch (error) {
    reply.header('content-range', `bytes */${stat.size}`);
    throw error;
  }
  if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${stat.size}`);
  if (head) {
    reply.header('content-length', String(range ? range.end - range.start + 1 : stat.size)).send();
    return false;
  }
  reply.send(file.read(range ?? undefined));
  return true;
}
