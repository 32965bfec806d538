/**
 * Turns a request target (or a Destination header) into the names of a path
 * in the user's space, refusing everything that could leave it or that the
 * file system cannot hold: `.` and `..` (also percent-encoded), encoded `/`,
 * backslashes, NUL and other control characters, names over 255 bytes and
 * paths over 4 KiB; and, for a name a request creates, characters that
 * disguise or corrupt a name (`assertNewName`). Names are kept byte-exact (no Unicode normalisation), so
 * NFC and NFD names both round-trip. Also writes hrefs back.
 */
import { SesameError } from '../errors.js';
import type { StorePath } from '../files/file-store.js';

export const DAV_PREFIX = '/dav';
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;
const MAX_TARGET_LENGTH = 8192;

export interface DavTarget {
  segments: StorePath;
  /** The target ended with '/' (a collection was meant). */
  trailingSlash: boolean;
}

function invalidPath(detail: string): SesameError {
  return new SesameError('DAV_PATH_INVALID', `This path is not allowed: ${detail}.`);
}

function decodeName(raw: string): string {
  let name = raw;
  if (raw.includes('%')) {
    try {
      name = decodeURIComponent(raw);
    } catch {
      throw invalidPath('it is not valid percent-encoded UTF-8');
    }
  }
  if (name === '.' || name === '..') throw invalidPath('"." and ".." are not names');
  if (name.includes('/') || name.includes('\\')) throw invalidPath('a name cannot contain "/" or "\\"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalidPath('a name cannot contain control characters');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new SesameError('DAV_NAME_UNSUPPORTED', `A name may be at most ${MAX_NAME_BYTES} bytes long.`);
  }
  return name;
}

/**
 * Characters a new name may not hold, beyond the controls every path
 * refuses: C1 controls, the bidirectional embeddings, overrides and
 * isolates that make a name read as another (`invoice\u202Etxt.exe`), and
 * Unicode noncharacters. Names already on disk keep working (they can be
 * read, renamed and deleted); no new one is made.
 */
const UNSAFE_IN_NEW_NAMES = /[\p{Cc}\p{Noncharacter_Code_Point}\u202A-\u202E\u2066-\u2069]/u;

/** Refuses (400 DAV_NAME_UNSUPPORTED) a last name that a request would create. */
export function assertNewName(segments: StorePath): void {
  const name = segments[segments.length - 1];
  if (name !== undefined && UNSAFE_IN_NEW_NAMES.test(name)) {
    throw new SesameError(
      'DAV_NAME_UNSUPPORTED',
      'A new name cannot contain control characters, bidirectional overrides or isolates, or noncharacters.',
    );
  }
}

/** Parses an origin-form path (`/dav/a/b`, query removed) into the space's names. */
export function parseDavPath(rawPath: string): DavTarget {
  if (rawPath.length > MAX_TARGET_LENGTH) throw new SesameError('DAV_URI_TOO_LONG', 'This path is too long.');
  const query = rawPath.indexOf('?');
  const path = query === -1 ? rawPath : rawPath.slice(0, query);
  // A fragment never belongs in a request target; cutting it off could make `frag/#x` name `frag/`.
  if (path.includes('#')) throw invalidPath('a request target cannot contain "#"');
  if (path !== DAV_PREFIX && !path.startsWith(`${DAV_PREFIX}/`)) throw invalidPath('it lies outside /dav/');
  const rest = path.slice(DAV_PREFIX.length);
  const segments: string[] = [];
  let bytes = 0;
  for (const part of rest.split('/')) {
    if (part === '') continue;
    const name = decodeName(part);
    bytes += (segments.length === 0 ? 0 : 1) + Buffer.byteLength(name);
    segments.push(name);
  }
  if (bytes > MAX_PATH_BYTES) {
    throw new SesameError('DAV_URI_TOO_LONG', `A path may be at most ${MAX_PATH_BYTES} bytes long.`);
  }
  return { segments, trailingSlash: rest.endsWith('/') || segments.length === 0 };
}

/**
 * The Destination of COPY and MOVE: a path, or an absolute URL naming this
 * server (anything else is another server: 502). It must lie under /dav/
 * (another user's space, or anything else, is refused with 403).
 */
export function parseDestination(header: string | undefined, host: string | undefined): DavTarget {
  if (header === undefined || header === '')
    throw new SesameError('DAV_HEADER_INVALID', 'COPY and MOVE need a Destination header.');
  let path = header;
  if (!header.startsWith('/')) {
    const match = /^https?:\/\/([^/?#]+)(\/[^?#]*)?/i.exec(header);
    if (!match) throw new SesameError('DAV_HEADER_INVALID', 'The Destination header must be a path or an absolute http(s) URL.');
    const destinationHost = match[1]!.replace(/^[^@]*@/, '').toLowerCase();
    if (host === undefined || destinationHost !== host.toLowerCase()) {
      throw new SesameError('DAV_DESTINATION_OTHER_SERVER', 'The Destination names another server.');
    }
    path = match[2] ?? '/';
  }
  try {
    return parseDavPath(path);
  } catch (error) {
    if (error instanceof SesameError && error.code === 'DAV_PATH_INVALID') {
      throw new SesameError('DAV_DESTINATION_FORBIDDEN', 'The Destination must be a path inside your own /dav/ space.');
    }
    throw error;
  }
}

/** RFC 3986 path-segment encoding of one name. */
export function encodeName(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function hrefOf(segments: StorePath, isCollection: boolean): string {
  if (segments.length === 0) return `${DAV_PREFIX}/`;
  return `${DAV_PREFIX}/${segments.map(encodeName).join('/')}${isCollection ? '/' : ''}`;
}
