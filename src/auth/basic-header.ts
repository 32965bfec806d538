/**
 * Parses an `Authorization: Basic` header (RFC 7617) strictly: canonical
 * base64, valid UTF-8, a colon, a non-empty user name, a bounded size.
 * Anything else is "malformed" and is answered like any other failure.
 */

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Longest header accepted: far above any username + app password, far below Node's limit. */
export const MAX_AUTHORIZATION_LENGTH = 1024;

/** Canonical base64 only: in a padded last group, the bits the padding leaves over must be zero (RFC 4648 §3.5). */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ParsedAuthorization = { kind: 'basic'; credentials: BasicCredentials } | { kind: 'absent' } | { kind: 'malformed' };

export function parseBasicAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header === '') return { kind: 'absent' };
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { kind: 'malformed' };
  const match = /^Basic +(\S+)$/i.exec(header);
  if (!match || !CANONICAL_BASE64.test(match[1]!)) return { kind: 'malformed' };
  const bytes = Buffer.from(match[1]!, 'base64');
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return { kind: 'malformed' };
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (password === '' || /[\u0000-\u001f\u007f]/.test(username)) return { kind: 'malformed' };
  return { kind: 'basic', credentials: { username, password } };
}
