/**
 * How long a client may take, tuned for WebDAV uploads of any size: no limit
 * on a request's total time (a 2 GiB PUT over a slow line is legitimate), but
 * limits on silence and on trickling, the two ways a client can hold a
 * connection without sending anything useful.
 *
 * - headers must be complete within `headersMs` (slow-loris on headers);
 * - a connection with no byte in either direction for `idleMs` is closed;
 * - a body still arriving must bring at least `bodyMinBytes` every
 *   `bodyWindowMs`, or the request is answered 408 REQUEST_TIMEOUT and the
 *   connection closed: one byte every 5 s no longer holds a connection open
 *   for minutes (an idle timeout alone never fires on a trickle).
 *
 * The body check reads the socket's byte count on a timer, once the socket's
 * pending bytes are read (a server stalled past a window does not cut a
 * client that kept sending); it never listens
 * to the body itself, so body parsing and streaming are untouched, and a
 * request that announces no body (every GET, a PROPFIND without body: no
 * Content-Length above 0, no Transfer-Encoding) starts no timer at all.
 */
import type http from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { endSocketWithError } from './error-handler.js';

export interface Timeouts {
  headersMs: number;
  idleMs: number;
  bodyWindowMs: number;
  bodyMinBytes: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  headersMs: 20_000,
  idleMs: 120_000,
  bodyWindowMs: 20_000,
  bodyMinBytes: 1024,
};

/** The Fastify (Node http) server options that enforce the header and idle limits. */
export function serverTimeoutOptions(timeouts: Timeouts): Partial<FastifyHttpOptions<http.Server>> {
  return {
    requestTimeout: 0,
    connectionTimeout: timeouts.idleMs,
    http: {
      headersTimeout: timeouts.headersMs,
      // Node checks the header deadline on this period (30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(timeouts.headersMs / 4))),
    },
  };
}

/** Whether a body follows the headers (RFC 9112 §6.3: Transfer-Encoding, or a Content-Length above 0). */
function announcesBody(raw: http.IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Closes requests whose body arrives slower than the minimum rate. */
export function enforceBodyMinimumRate(app: FastifyInstance, timeouts: Timeouts): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    if (raw.complete || !announcesBody(raw)) {
      done();
      return;
    }
    const socket = raw.socket;
    let seen = socket.bytesRead;
    let seenAt = performance.now();
    let stopped = false;
    const judge = () => {
      if (stopped || raw.complete) {
        clearInterval(check);
        return;
      }
      // A tick that was overdue after a stall comes right after the one that judged the stall's bytes:
      // less than half a window since then is no window to judge.
      if (performance.now() - seenAt < timeouts.bodyWindowMs / 2) return;
      const now = socket.bytesRead;
      if (now - seen < timeouts.bodyMinBytes) {
        clearInterval(check);
        endSocketWithError(socket, 'REQUEST_TIMEOUT', 'The request body arrived too slowly.');
        return;
      }
      seen = now;
      seenAt = performance.now();
    };
    // Judged after this turn's socket reads (setImmediate runs after the poll phase): when the process
    // was stalled past a window, the bytes that arrived meanwhile are counted, not missed.
    const check = setInterval(() => setImmediate(judge), timeouts.bodyWindowMs);
    check.unref();
    const stop = () => {
      stopped = true;
      clearInterval(check);
    };
    raw.once('end', stop);
    raw.once('close', stop);
    done();
  });
}
