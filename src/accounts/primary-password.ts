/**
 * Primary (account) passwords: argon2id hashes, length rules that never
 * truncate, and a verification that costs the same whether or not the
 * account exists, so that timing reveals nothing.
 */
import argon2 from 'argon2';
import { SesameError } from '../errors.js';
import type { UserRecord } from '../repositories/users.js';

export const PASSWORD_MIN_LENGTH = 8;
/** Generous enough for passphrases; bounds the argon2 input. */
export const PASSWORD_MAX_LENGTH = 1024;

export function validateNewPassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new SesameError('PASSWORD_TOO_SHORT', `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new SesameError('PASSWORD_TOO_LONG', `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize('NFC'), { type: argon2.argon2id });
}

let dummyHash: Promise<string> | undefined;

/** Verifies against the hash, or against a dummy hash when there is none. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  dummyHash ??= hashPassword('sesame-dummy-password-for-constant-time');
  const target = hash ?? (await dummyHash);
  const matches = await argon2.verify(target, password.normalize('NFC')).catch(() => false);
  return hash !== null && matches;
}

/**
 * The primary password of an enabled local account (and, where 2FA cannot be
 * asked for, only of one without it). argon2 runs whatever the account, so
 * the cost says nothing about whether it exists or is eligible.
 */
export async function checkAccountPassword(
  row: UserRecord | null,
  password: string,
  options: { refuseTwoFactorAccounts: boolean },
): Promise<UserRecord | null> {
  const eligible =
    row !== null &&
    row.authSource === 'local' &&
    row.disabledAt === null &&
    !(options.refuseTwoFactorAccounts && row.sealedTotpSecret !== null);
  const matches = await verifyPassword(eligible ? row.passwordHash : null, password);
  return matches && eligible ? row : null;
}
