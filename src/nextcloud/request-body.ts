/**
 * The bodies the Nextcloud-compatible routes read: form fields
 * (`application/x-www-form-urlencoded`, what the desktop client and the
 * OCS clients send) or a JSON object (what the NC Connector sends), at
 * most 16 KiB. An empty body, and a body of any other type, read as no
 * fields: clients send `Content-Length: 0` with varying types, and the
 * routes that take nothing must not refuse them. JSON goes through
 * Fastify's own parser (prototype-poisoning protection included).
 */
import type { FastifyBodyParser, FastifyInstance } from 'fastify';

export const NEXTCLOUD_BODY_LIMIT = 16 * 1024;

export function useNextcloudBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const json: FastifyBodyParser<string> = (request, body, done) => {
    if (body.trim() === '') done(null, {});
    else parseJson(request, body, done);
  };
  const form: FastifyBodyParser<string> = (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body)));
  const ignored: FastifyBodyParser<Buffer> = (_request, _body, done) => done(null, {});
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: NEXTCLOUD_BODY_LIMIT }, json);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: NEXTCLOUD_BODY_LIMIT }, form);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: NEXTCLOUD_BODY_LIMIT }, ignored);
}

/** A field of a parsed body (null when the body is not an object or has no such text field). */
export function bodyField(body: unknown, name: string): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}
