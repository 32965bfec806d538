/**
 * CONNECT never reaches Fastify: Node's HTTP server hands it to a
 * `connect` listener, and without one closes the socket unanswered. This
 * server tunnels nothing, so it answers 400 REQUEST_INVALID in the envelope
 * of every error and closes the connection.
 */
import type http from 'node:http';
import { endSocketWithError } from './error-handler.js';

export function refuseConnect(server: http.Server): void {
  server.on('connect', (_request, socket) => {
    endSocketWithError(socket as Parameters<typeof endSocketWithError>[0], 'REQUEST_INVALID', 'CONNECT is not served here.');
  });
}
