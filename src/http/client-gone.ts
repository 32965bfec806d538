/**
 * A request whose client went away while it waited — for its
 * authentication, for a database connection, for a lock — is not handed to
 * its route: nobody would read the answer, and a change the client gave up
 * on must not be made behind its back. Checked once, before the handler,
 * where it costs one property read; a handler already running is stopped
 * by its own streams. Logged as 499, nginx's "client closed request" (the
 * server's own completion line never comes for a closed connection); the
 * client receives nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export const CLIENT_GONE_STATUS = 499;

function clientGone(request: FastifyRequest): boolean {
  return request.raw.socket?.destroyed === true;
}

export function skipHandlersOfGoneClients(app: FastifyInstance): void {
  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (!clientGone(request)) return done();
    request.log.info({ res: { statusCode: CLIENT_GONE_STATUS } }, 'the client went away before its request was handled: not run');
    reply.code(CLIENT_GONE_STATUS).send();
  });
}
