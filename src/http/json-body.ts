/**
 * The body parser of the JSON API: JSON only (any other media type is 415
 * MEDIA_TYPE_UNSUPPORTED), and UTF-8 or refused.
 * A charset other than UTF-8 is 415 CHARSET_UNSUPPORTED (never decoded as
 * something else); invalid UTF-8 is 400 BODY_INVALID_UTF8 (never replaced
 * by U+FFFD); a string or key with an unpaired surrogate (a `"\ud800"`
 * escape) is 400 BODY_UNPAIRED_SURROGATE (it would be stored as garbage).
 * JSON itself is parsed by Fastify's own parser (prototype-poisoning
 * protection included).
 */
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { SesameError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The charset parameter of a Content-Type, lower-cased, or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2] ?? '').toLowerCase() : undefined;
}

// In a /u expression a pair is one code point; only a lone surrogate is \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/** True when every string and key in the value is well-formed UTF-16 (no lone surrogate). */
export function isWellFormedJson(value: unknown): boolean {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.every(isWellFormedJson);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => wellFormed(key) && isWellFormedJson(item));
  }
  return true;
}

function decodeUtf8Body(request: FastifyRequest, body: Buffer): string {
  const charset = charsetOf(request.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new SesameError('CHARSET_UNSUPPORTED', 'JSON bodies must be UTF-8 (charset=utf-8 or no charset).');
  }
  try {
    return utf8.decode(body);
  } catch {
    throw new SesameError('BODY_INVALID_UTF8', 'The request body is not valid UTF-8.');
  }
}

/** Makes strict UTF-8 JSON the only body `app` (and its children) accepts; any other type is 415. */
export function useStrictJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const parser: FastifyBodyParser<Buffer> = (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(request, body);
    } catch (error) {
      done(error as SesameError, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) done(error, undefined);
      else if (!isWellFormedJson(value)) {
        done(new SesameError('BODY_UNPAIRED_SURROGATE', 'The request body holds text with an unpaired surrogate.'), undefined);
      } else done(null, value);
    });
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parser);
}
