/**
 * GET and HEAD: a file's bytes with strong ETag and Last-Modified, 304/412
 * from the conditional headers, one byte Range (206/416). Small files are
 * sent from one buffer, larger ones streamed. A collection answers a short
 * HTML listing. Never buffers a large file.
 */
import { SesameError } from '../../errors.js';
import { etagOf, evaluatePreconditions, httpDate, requestedRange } from '../conditions.js';
import { encodeName } from '../dav-path.js';
import { statTarget, type DavHandler } from '../dav-request.js';
import { escapeXml } from '../xml-response.js';

export const getResource: DavHandler = async (dav) => {
  const { reply, request } = dav;
  const stat = await statTarget(dav);
  if (!stat) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  const head = request.method === 'HEAD';
  reply.header('etag', etagOf(stat)).header('last-modified', httpDate(stat.mtimeMs)).header('cache-control', 'private, no-cache');
  const precondition = evaluatePreconditions(request.headers, stat, true);
  if (precondition === 'not-modified') return void reply.status(304).send();
  if (precondition === 'failed') throw new SesameError('DAV_PRECONDITION_FAILED', 'A condition of this request does not hold.');

  if (stat.isDirectory) {
    const entries = (await dav.store.list(dav.target.segments)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const items = entries
      .map((e) => `<li><a href="${encodeName(e.name)}${e.stat.isDirectory ? '/' : ''}">${escapeXml(e.name)}</a></li>`)
      .join('');
    const html = `<!doctype html><meta charset="utf-8"><title>Sésame</title><ul>${items}</ul>\n`;
    reply.type('text/html; charset=utf-8');
    return void reply.send(head ? undefined : html);
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
  const length = range ? range.end - range.start + 1 : stat.size;
  if (head) {
    reply.header('content-length', String(length));
    return void reply.send();
  }
  return void reply.send(await dav.store.read(dav.target.segments, range ?? undefined));
};
