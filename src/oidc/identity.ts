/**
 * What Sésame takes from the provider's claims, as plain values, and the
 * rules applied to them: the allowed e-mail domains (on a verified e-mail
 * only), the admin group, and the username of a new account (from
 * `preferred_username` or the e-mail, under the rules of accounts/username.ts,
 * with a suffix derived from (issuer, sub) when taken). Pure functions;
 * an e-mail never identifies an account here: (issuer, sub) does.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import type { Role } from '../db/schema.js';
import { validateUsername } from '../accounts/username.js';

export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  preferredUsername: string | null;
  /** The `groups` claim's string values; empty when the provider sends none. */
  groups: string[];
  /** The provider's session id (`sid`), for back-channel logout. */
  sid: string | null;
}

type Claims = Record<string, unknown>;

/**
 * A text claim, trimmed; null when absent, empty or holding a control
 * character (PostgreSQL cannot store NUL: a subject or e-mail holding one
 * must fail alike on both databases, not only on PostgreSQL).
 */
const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' && !/\p{Cc}/u.test(value.trim()) ? value.trim() : null;

export function identityFromClaims(claims: Claims): ProviderIdentity {
  const issuer = text(claims.iss);
  const subject = text(claims.sub);
  if (issuer === null || subject === null) throw new SesameError('SSO_FAILED', 'The identity provider named no subject.');
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((group): group is string => typeof group === 'string') : [];
  return {
    issuer,
    subject,
    email: text(claims.email),
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    preferredUsername: text(claims.preferred_username),
    groups,
    sid: text(claims.sid),
  };
}

/** With allowed domains configured, the account must have a verified e-mail in one of them. */
export function checkAllowedDomain(identity: ProviderIdentity, allowedDomains: readonly string[]): void {
  if (allowedDomains.length === 0) return;
  const domain = identity.email?.split('@').pop()?.toLowerCase();
  if (!identity.emailVerified || domain === undefined || !allowedDomains.includes(domain)) {
    throw new SesameError('SSO_DOMAIN_NOT_ALLOWED', 'This account’s e-mail domain may not sign in here.');
  }
}

/** The role the admin group gives, or null when no admin group is configured (roles are then left as they are). */
export function roleFromGroups(groups: readonly string[], adminGroup: string | null): Role | null {
  if (adminGroup === null) return null;
  return groups.includes(adminGroup) ? 'admin' : 'user';
}

const SUFFIX_ROOM = 13;

/** A claim turned into a valid username (disallowed characters become '-'), or null when none can be made. */
function usernameFrom(raw: string | null): string | null {
  if (raw === null) return null;
  const shaped = raw
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._@+-]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const cut = [...shaped].slice(0, 64 - SUFFIX_ROOM).join('');
  try {
    return validateUsername(cut).username;
  } catch {
    return null;
  }
}

/**
 * Usernames to try for a new account, in order: the name the provider
 * suggests, then the same with suffixes derived from (issuer, sub), so that
 * the same identity always gets the same name whatever the order of sign-ins.
 * The suffixes are digits, which belong to no script: hex letters after a
 * Cyrillic or Greek name would make a mixed-script name that
 * validateUsername refuses everywhere else.
 */
export function usernameCandidates(identity: ProviderIdentity): string[] {
  const digest = crypto.createHash('sha256').update(`${identity.issuer}\n${identity.subject}`).digest('hex');
  const digits = (BigInt(`0x${digest}`) % 10n ** 12n).toString().padStart(12, '0');
  const base = usernameFrom(identity.preferredUsername) ?? usernameFrom(identity.email);
  const fallback = `sso-${digest.slice(0, 12)}`;
  return base === null ? [fallback] : [base, `${base}-${digits.slice(0, 6)}`, `${base}-${digits.slice(0, 12)}`, fallback];
}
