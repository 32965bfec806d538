/**
 * What happens to a WebDAV request body around an early answer. A handler
 * may answer before the body is read, or part-way through it (507 over the
 * quota or a full disk, 413, 412, 423…); a client that sends its whole body
 * before it reads the answer (Python requests, most upload libraries) would
 * then wait on a connection the server no longer reads. So:
 *
 * - a store writes from a view of the body (`bodyForStore`) whose failure
 *   does not destroy the request itself, so the answer can still be sent;
 * - once an answer is sent with the body unfinished, the rest is read and
 *   dropped (`discardRestOfBody`), at most UNREAD_BODY_LIMIT bytes; past
 *   that the connection is closed: a client is never left hanging, and no
 *   one holds the server to reading an endless body.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

/** Bytes of an unfinished body read and dropped after an early answer before the connection is closed. */
export const UNREAD_BODY_LIMIT = 16 * 1024 * 1024;

/** The body as a store reads it: destroying this view leaves the request alive. */
export function bodyForStore(raw: IncomingMessage): Readable {
  const view = new PassThrough();
  const lost = () => {
    if (!raw.complete) view.destroy(new Error('The client closed the connection before the body was complete.'));
  };
  raw.once('error', (error) => view.destroy(error));
  raw.once('close', lost);
  view.once('close', () => {
    raw.off('close', lost);
    raw.unpipe(view);
  });
  raw.pipe(view);
  return view;
}

/** After an answer: reads and drops what is left of an unfinished body, up to the limit, then closes the connection. */
export function discardRestOfBody(raw: IncomingMessage): void {
  if (raw.complete || raw.destroyed) return;
  let discarded = 0;
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > UNREAD_BODY_LIMIT) raw.socket.destroy();
  });
  raw.resume();
}
