/**
 * The OCS envelope of every reply under /ocs/, success or error, as
 * Nextcloud writes it: `{"ocs": {"meta": {…}, "data": …}}` in JSON, or the
 * same tree in XML, chosen by `format=json|xml`, else by the first of the
 * Accept header's types that is `application/json` or `application/xml`,
 * else XML. Version 1 (`/ocs/v1.php/`) says `statuscode` 100 on success
 * and keeps HTTP 200 for the API's own refusals (the statuscode tells
 * them); version 2 (`/ocs/v2.php/`) says 200 and uses the HTTP status.
 * Both answer HTTP 401 (with the Basic challenge) when unauthenticated,
 * HTTP 404 for a path no route serves, and keep the HTTP status of what a
 * client must see at the HTTP level whatever the version: 412 without
 * `OCS-APIRequest`, 429 and 503 with Retry-After, and the refusals of the
 * HTTP layer (408, 413, 414, 415, 431). Every Sésame error is classified
 * once (http/error-handler.ts) and written here; nothing here reads a
 * credential.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BASIC_CHALLENGE, classifyError, type Problem } from '../http/error-handler.js';

export type OcsVersion = 1 | 2;
export type OcsFormat = 'json' | 'xml';

/** Nextcloud's own status codes (OCSController::RESPOND_*). */
export const OCS_UNAUTHORISED = 997;
export const OCS_NOT_FOUND = 998;
export const OCS_SERVER_ERROR = 996;

/** HTTP statuses a version 1 reply keeps: what a client must see at the HTTP level. */
const HTTP_LEVEL_STATUSES = new Set([401, 404, 408, 412, 413, 414, 415, 429, 431, 503]);

function pathAndQuery(url: string): { path: string; query: URLSearchParams } {
  const at = url.indexOf('?');
  return at === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, at), query: new URLSearchParams(url.slice(at + 1)) };
}

export function ocsVersionOf(url: string): OcsVersion {
  return pathAndQuery(url).path.startsWith('/ocs/v1.php/') ? 1 : 2;
}

/** `format=` first, then the first JSON or XML type of Accept (parameters make a type no match, as in Nextcloud), else XML. */
export function ocsFormatOf(request: Pick<FastifyRequest, 'url' | 'headers'>): OcsFormat {
  const format = pathAndQuery(request.url).query.get('format');
  if (format === 'json' || format === 'xml') return format;
  for (const type of (request.headers.accept ?? '').split(',')) {
    const responder = type
      .trim()
      .toLowerCase()
      .replace(/^application\//, '');
    if (responder === 'json' || responder === 'xml') return responder;
  }
  return 'xml';
}

interface Meta {
  status: 'ok' | 'failure';
  statuscode: number;
  message: string;
  totalitems?: string;
  itemsperpage?: string;
}

function metaOf(version: OcsVersion, statuscode: number, message: string): Meta {
  const ok = statuscode === 100 || (statuscode >= 200 && statuscode < 300);
  const meta: Meta = { status: ok ? 'ok' : 'failure', statuscode, message: ok ? 'OK' : message };
  return version === 1 ? { ...meta, totalitems: '', itemsperpage: '' } : meta;
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Nextcloud's XML writer: one element per key, `element` for list items, true as 1, false and null empty; one-space indent. */
function writeXml(name: string, value: unknown, depth: number, out: string[]): void {
  if (!XML_NAME.test(name)) throw new Error(`not an XML element name: ${name}`);
  const indent = ' '.repeat(depth);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((item) => ['element', item] as const) : Object.entries(value);
    if (entries.length === 0) {
      out.push(`${indent}<${name}/>\n`);
      return;
    }
    out.push(`${indent}<${name}>\n`);
    for (const [key, item] of entries) writeXml(key, item, depth + 1, out);
    out.push(`${indent}</${name}>\n`);
    return;
  }
  const text = value === true ? '1' : value === false || value === null || value === undefined ? '' : String(value);
  out.push(`${indent}<${name}>${escapeXml(text)}</${name}>\n`);
}

/** The envelope's text: JSON with `<` and `>` escaped (as Nextcloud's JSON_HEX_TAG), or the XML document. */
export function renderOcs(format: OcsFormat, meta: Meta, data: unknown): string {
  if (format === 'json') {
    return JSON.stringify({ ocs: { meta, data } }).replace(/</g, '\\u003C').replace(/>/g, '\\u003E');
  }
  const out = ['<?xml version="1.0"?>\n'];
  writeXml('ocs', { meta, data }, 0, out);
  return out.join('');
}

function send(request: FastifyRequest, reply: FastifyReply, httpStatus: number, meta: Meta, data: unknown): FastifyReply {
  const format = ocsFormatOf(request);
  return reply
    .status(httpStatus)
    .header('cache-control', 'no-store')
    .type(format === 'json' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8')
    .send(renderOcs(format, meta, data));
}

/** A successful OCS reply carrying `data`. */
export function sendOcsData(request: FastifyRequest, reply: FastifyReply, data: unknown): FastifyReply {
  const version = ocsVersionOf(request.url);
  return send(request, reply, 200, metaOf(version, version === 1 ? 100 : 200, 'OK'), data);
}

/** The OCS status code of a problem: Nextcloud's own codes for unauthorised, not found and server errors, else the HTTP status. */
function ocsStatusOf(problem: Problem): number {
  if (problem.code === 'UNAUTHENTICATED') return OCS_UNAUTHORISED;
  if (problem.status === 404) return OCS_NOT_FOUND;
  if (problem.status >= 500 && problem.retryAfter === undefined) return OCS_SERVER_ERROR;
  return problem.status;
}

/** A problem in the envelope, with the HTTP status its version gives it. */
export function sendOcsProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const version = ocsVersionOf(request.url);
  // An unknown route is HTTP 404 in both versions; a 404 of the API itself (no such user) is v1's HTTP 200.
  const httpLevel = HTTP_LEVEL_STATUSES.has(problem.status) && (problem.status !== 404 || problem.code === 'NOT_FOUND');
  const httpStatus = version === 2 || httpLevel ? problem.status : 200;
  if (problem.code === 'UNAUTHENTICATED') reply.header('www-authenticate', BASIC_CHALLENGE);
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  return send(request, reply, httpStatus, metaOf(version, ocsStatusOf(problem), problem.message), []);
}

/** Every error under /ocs/, framework-raised ones included, classified as everywhere and written in the envelope. */
export function sendOcsError(request: FastifyRequest, reply: FastifyReply, error: FastifyError): FastifyReply {
  const problem = classifyError(error);
  if (problem === null) request.log.error({ err: error }, 'OCS request failed');
  return sendOcsProblem(request, reply, problem ?? { status: 500, code: 'INTERNAL', message: 'Internal error.' });
}
