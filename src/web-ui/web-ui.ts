/**
 * Serves the web interface (the SPA built by Vite into dist/web) at `/`:
 * its files with @fastify/static, and index.html for any other HTML
 * navigation (GET/HEAD asking for text/html) so that client routes survive
 * a reload. It must never answer under another surface's prefix (`/api/`,
 * `/dav/`, the Nextcloud paths, public links, `/auth/`): unknown paths there
 * keep their own 404s. It also serves the documentation (docs/*.md, as
 * plain text) that the interface links to. The files are public; nothing
 * here reads a session.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isUnderPrefix, RESERVED_PREFIXES } from '../surfaces/registry.js';

/** dist/web, two levels above both src/web-ui/ (tsx) and dist/web-ui/ (built). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths the interface never answers: the JSON API, the sign-in routes, and what the surface registry reserves. */
const OTHER_PREFIXES = ['/api/', '/auth/', ...RESERVED_PREFIXES];
/**
 * Everything the interface loads comes from this origin (fonts and icons are
 * bundled); it may not be framed. Inline styles are allowed for the
 * positioning that the dialog and menu primitives compute.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The repository's documentation, two levels above src/web-ui/ and dist/web-ui/ alike. */
const DOCS_ROOT = fileURLToPath(new URL('../../docs/', import.meta.url));
/** Only these names are served from it: lower-case Markdown files, no path. */
const DOC_NAME = /^[a-z][a-z-]*\.md$/;

/** The built files live here: a missing one is a 404, not a page. */
const ASSETS = '/assets/';

export function isSpaNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0]!;
  if (path.startsWith(ASSETS)) return false;
  if (OTHER_PREFIXES.some((prefix) => isUnderPrefix(path, prefix))) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/** The UI's files are public: registered outside the session scope (server.ts), no route here reads a session. */
async function webFiles(app: FastifyInstance, options: { root: string }): Promise<void> {
  // Hashed asset names change with their content; index.html must be revalidated.
  app.addHook('onSend', async (request, reply) => {
    const immutable = request.url.startsWith(ASSETS);
    reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  });
  // Loaded here rather than at import: CLI commands import the server and never serve files.
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, { root: options.root, wildcard: false, index: 'index.html' });
}

export const webUi = fp(
  async (app: FastifyInstance) => {
    const indexFile = `${WEB_ROOT}index.html`;
    if (!fs.existsSync(indexFile)) {
      app.log.warn(`web interface not built (${indexFile} is missing): run \`npm run build\``);
      return;
    }
    const indexHtml = fs.readFileSync(indexFile);
    await app.register(webFiles, { root: WEB_ROOT });
    // The documentation the interface links to (docs/sso.md from the SSO page), read as plain text.
    const docs = new Set(fs.existsSync(DOCS_ROOT) ? fs.readdirSync(DOCS_ROOT).filter((name) => DOC_NAME.test(name)) : []);
    app.get<{ Params: { name: string } }>('/docs/:name', (request, reply) => {
      const { name } = request.params;
      if (!docs.has(name)) return reply.callNotFound();
      return reply
        .type('text/plain; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('cache-control', 'no-cache')
        .send(fs.readFileSync(`${DOCS_ROOT}${name}`));
    });
    // A callback hook, not a promise: it runs on every request of every surface.
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.is404 || !isSpaNavigation(request)) {
        done();
        return;
      }
      reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).send(indexHtml);
    });
  },
  { name: 'sesame-web-ui' },
);
