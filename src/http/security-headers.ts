/**
 * Headers every reply of every surface carries: `X-Content-Type-Options:
 * nosniff` (a file is never read as another type than the one it is sent
 * as, so an upload cannot become a script or a page of this origin), a
 * `Referrer-Policy` that sends no address elsewhere, and a
 * Content-Security-Policy that forbids framing. A surface that sets its own
 * policy keeps it (the web interface's pages, /dav/'s sandbox). Errors
 * raised before routing skip the reply hooks: the server's
 * `frameworkErrors` handler is wrapped to set them too. One callback hook,
 * no promise: it runs on the hot path.
 */
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';

/** Replies that are no page of the interface load nothing and may not be framed. */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CONTENT_SECURITY_POLICY);
}

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    setSecurityHeaders(reply);
    done(null, payload);
  });
}

type FrameworkErrors = NonNullable<FastifyServerOptions['frameworkErrors']>;

/** The server's handler of errors raised before routing, setting the same headers first. */
export function withSecurityHeaders(handler: FrameworkErrors): FrameworkErrors {
  return (error, request, reply) => {
    setSecurityHeaders(reply);
    handler(error, request, reply);
  };
}
