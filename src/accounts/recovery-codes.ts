/**
 * Recovery codes of a TOTP account: ten random codes shown once, each good
 * for one sign-in (or one second-factor check) instead of a TOTP code.
 * Only HMAC-SHA-256(server key, code) is stored; typing is forgiving
 * (case, spaces and hyphens do not matter).
 */
import crypto from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** RFC 4648 base32, lower case: no 0/1/8/9, so no O/0 or l/1 confusion. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const GROUP = 5;

/** One code: two groups of 5 base32 characters (50 bits), e.g. `k3m7q-xw2ab`. */
export function generateRecoveryCode(): string {
  const chars = Array.from({ length: 2 * GROUP }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
  return `${chars.slice(0, GROUP)}-${chars.slice(GROUP)}`;
}

export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
}

/** The form that is hashed: lower case without separators. */
export function compactRecoveryCode(input: string): string {
  return input.replace(/[\s-]/g, '').toLowerCase();
}

/** The hashed form of what a user typed; null when it cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  const compact = compactRecoveryCode(input);
  return /^[a-z2-7]{10}$/.test(compact) ? compact : null;
}
