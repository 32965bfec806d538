/**
 * One log line per request, once its answer is sent: the surface, method,
 * path (never the query string), status, duration, client address and who
 * the request acted for (the account id, and how: session, app password,
 * primary password). Never a header, a secret, a password's name or a query
 * string. Health checks and metrics scrapes are logged at `debug` only (a
 * load balancer asks every few seconds). A request whose client went away
 * before its answer ended has its line too, marked `aborted`. It takes the
 * place of Fastify's two lines per request ("incoming request", "request
 * completed") as its LogController, so it costs no hook of its own; the same
 * call hands the answered request to the metrics.
 */
import type { Socket } from 'node:net';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { loggedPath } from './log-serializers.js';
import { surfaceOfRequest, type RequestSurface } from './request-surface.js';

export interface AnsweredRequest {
  surface: RequestSurface;
  method: string;
  status: number;
  seconds: number;
  /** Bytes read from and written to the connection since the previous request on it ended, headers included. */
  bytesIn: number;
  bytesOut: number;
}

/** What each connection had carried when its previous request ended. */
const carried = new WeakMap<Socket, { read: number; written: number }>();

function wireBytes(socket: Socket | null | undefined): { bytesIn: number; bytesOut: number } {
  if (!socket) return { bytesIn: 0, bytesOut: 0 };
  const read = socket.bytesRead;
  const written = socket.bytesWritten;
  const before = carried.get(socket);
  if (before === undefined) {
    carried.set(socket, { read, written });
    return { bytesIn: read, bytesOut: written };
  }
  const bytes = { bytesIn: read - before.read, bytesOut: written - before.written };
  before.read = read;
  before.written = written;
  return bytes;
}

export class RequestLog extends LogController {
  constructor(private readonly answered: (request: AnsweredRequest) => void) {
    super();
  }

  /**
   * Every request, whatever answers it (a route, the 404 handler, the
   * framework's own errors), comes here first: its line is written when its
   * answer is done, or when the client went away before that (`aborted`).
   */
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    const started = performance.now();
    reply.raw.on('close', () => this.ended(request, reply, performance.now() - started, !reply.raw.writableFinished));
  }

  /** The line was written at the answer's end (above). */
  override requestCompleted(): void {}

  /** A request no route matched has its line like any other (status 404), without its query string. */
  override routeNotFound(): void {}

  private ended(request: FastifyRequest, reply: FastifyReply, durationMs: number, aborted: boolean): void {
    const surface = surfaceOfRequest(request);
    const status = reply.statusCode;
    this.answered({
      surface,
      method: request.method,
      status,
      seconds: durationMs / 1000,
      ...wireBytes(request.raw.socket),
    });
    const level = surface === 'ops' ? 'debug' : 'info';
    // Fastify types its logger without pino's isLevelEnabled; the logger is pino's.
    if (!(request.log as Logger).isLevelEnabled(level)) return;
    const principal = request.principal;
    request.log[level](
      {
        surface,
        method: request.method,
        path: loggedPath(request.url),
        statusCode: status,
        durationMs: Math.round(durationMs * 100) / 100,
        remoteAddress: request.ip,
        ...(principal ? { accountId: principal.userId, auth: principal.via } : {}),
        ...(aborted ? { aborted: true } : {}),
      },
      'request',
    );
  }
}
