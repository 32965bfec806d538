/**
 * Refuses a request whose query string names a credential (`?password=…`,
 * `?app-password=…`, `?client_secret=…`, `?user[password]=…`), before any
 * route or authentication runs: a URL ends up in logs, histories and
 * Referer headers. Keys are read from the raw query the way any parser
 * might read them — `&` and `;` separators, percent- and `+`-decoding,
 * bracket and dot nesting, case, width and punctuation ignored — so that a
 * spelling variant cannot slip through. It never reads or logs the values.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SesameError } from '../errors.js';

/** Credential names, compacted (lower case, letters and digits only). */
const CREDENTIAL_NAMES = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'pw',
  'secret',
  'apppassword',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'auth',
  'authorization',
  'bearer',
  'apikey',
  'session',
  'sessionid',
  'clientsecret',
  // Sésame's own: its session cookie, second-factor codes, the SSO logout token, the CSRF token.
  'sesamesession',
  'hostsesamesession',
  'totp',
  'otp',
  'recoverycode',
  'logouttoken',
  'csrftoken',
  'xcsrftoken',
]);

/** Words that make any name a credential's (`new_password`, `totpSecret`, `mot_de_passe`). */
const CREDENTIAL_WORDS = /password|passwd|passphrase|motdepasse|secret/;

function decodeKey(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** True when a query-string key names a credential, under any spelling. */
export function isCredentialKey(rawKey: string): boolean {
  const key = decodeKey(rawKey).normalize('NFKC').toLowerCase();
  return key
    .split(/[[\].]/)
    .map((segment) => segment.replace(/[^\p{L}\p{N}]/gu, ''))
    .some((segment) => CREDENTIAL_NAMES.has(segment) || CREDENTIAL_WORDS.test(segment));
}

/** The keys of a request target's query string, undecoded. */
export function queryKeys(target: string): string[] {
  const start = target.indexOf('?');
  if (start === -1) return [];
  const end = target.indexOf('#', start);
  const query = target.slice(start + 1, end === -1 ? undefined : end);
  return query
    .split(/[&;]/)
    .filter((pair) => pair !== '')
    .map((pair) => pair.split('=', 1)[0]!);
}

export function hasCredentialInQuery(target: string): boolean {
  return queryKeys(target).some(isCredentialKey);
}

/** An `onRequest` hook; a callback rather than a promise, since it runs on every request of every surface. */
export function refuseCredentialsInQuery(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!hasCredentialInQuery(request.url)) {
    done();
    return;
  }
  done(
    new SesameError(
      'CREDENTIALS_IN_QUERY',
      'Credentials must never be sent in a URL; send them in the Authorization header or the request body.',
    ),
  );
}
