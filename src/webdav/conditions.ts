/**
 * HTTP validators of file resources: strong ETags, Last-Modified, the
 * conditional headers (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since) and one byte Range (RFC 9110 §13, §14). Pure
 * functions of the headers and the resource's state; HTTP dates are cached
 * per second since a listing formats thousands of them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SesameError } from '../errors.js';
import type { ByteRange, FileStat } from '../files/file-store.js';

export function etagOf(stat: FileStat): string {
  return `"${stat.version}"`;
}

const dateCache = new Map<number, string>();
const DATE_CACHE_LIMIT = 4096;

/** IMF-fixdate of a time, cached by whole second. */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = dateCache.get(second);
  if (text === undefined) {
    if (dateCache.size >= DATE_CACHE_LIMIT) dateCache.clear();
    text = new Date(second * 1000).toUTCString();
    dateCache.set(second, text);
  }
  return text;
}

function parseEtagList(value: string): string[] {
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** Strong comparison (W/ tags never match), as If-Match requires. */
function matchesStrong(list: string[], etag: string | null): boolean {
  return etag !== null && list.some((tag) => tag === '*' || tag === etag);
}

function matchesWeak(list: string[], etag: string | null): boolean {
  return etag !== null && list.some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}

function parseDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export type Precondition = 'proceed' | 'not-modified' | 'failed';

/**
 * Evaluates the conditional headers against the current state (`null`: no
 * resource). `read` is GET/HEAD, where a matching If-None-Match or an
 * unchanged If-Modified-Since means 304 rather than 412.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, stat: FileStat | null, read: boolean): Precondition {
  const etag = stat ? etagOf(stat) : null;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined && !matchesStrong(parseEtagList(ifMatch), etag)) return 'failed';
  const unmodifiedSince = ifMatch === undefined ? parseDate(headers['if-unmodified-since']) : null;
  if (unmodifiedSince !== null && stat && Math.floor(stat.mtimeMs / 1000) * 1000 > unmodifiedSince) return 'failed';
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (matchesWeak(parseEtagList(ifNoneMatch), etag)) return read ? 'not-modified' : 'failed';
  } else if (read && stat) {
    const modifiedSince = parseDate(headers['if-modified-since']);
    if (modifiedSince !== null && Math.floor(stat.mtimeMs / 1000) * 1000 <= modifiedSince) return 'not-modified';
  }
  return 'proceed';
}

/**
 * The one byte range a GET asked for, or null for the whole body (no Range,
 * several ranges, another unit, or an If-Range that no longer matches).
 */
export function requestedRange(headers: IncomingHttpHeaders, stat: FileStat): ByteRange | null {
  const header = headers.range;
  if (header === undefined) return null;
  const ifRange = headers['if-range'];
  if (typeof ifRange === 'string' && ifRange !== etagOf(stat) && parseDate(ifRange) !== Math.floor(stat.mtimeMs / 1000) * 1000) {
    return null;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const size = stat.size;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw rangeNotSatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return null;
  }
  if (start >= size) throw rangeNotSatisfiable();
  return { start, end };
}

function rangeNotSatisfiable(): SesameError {
  return new SesameError('DAV_RANGE_NOT_SATISFIABLE', 'The requested range lies outside the file.');
}
