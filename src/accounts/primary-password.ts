/**
 * Primary (account) passwords: argon2id hashes, length rules that never
 * truncate, and a verification that costs the same whether or not the
 * account exists, so that timing reveals nothing.
 *
 * The argon2id cost comes from the context: production's unless a test
 * built the server with a cheaper one (no configuration can lower it).
 */
import argon2 from 'argon2';
import { SesameError } from '../errors.js';
import type { Context } from '../context.js';
import type { UserRecord } from '../repositories/users.js';

export const PASSWORD_MIN_LENGTH = 8;
/** Generous enough for passphrases; bounds the argon2 input. */
export const PASSWORD_MAX_LENGTH = 1024;

/** argon2id's cost: memory in KiB, passes over it, lanes. */
export interface Argon2Cost {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * The cost of every hash in production: 64 MiB, 3 passes, 4 lanes (the
 * argon2 library's defaults, written out so that an upgrade cannot change them).
 */
export const PRODUCTION_ARGON2_COST: Argon2Cost = Object.freeze({ memoryCost: 65_536, timeCost: 3, parallelism: 4 });

/** The context's cost: production's when it names none. */
export function argon2CostOf(ctx: Pick<Context, 'argon2Cost'>): Argon2Cost {
  return ctx.argon2Cost ?? PRODUCTION_ARGON2_COST;
}

export function validateNewPassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new SesameError('PASSWORD_TOO_SHORT', `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new SesameError('PASSWORD_TOO_LONG', `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  }
}

export function hashPassword(password: string, cost: Argon2Cost = PRODUCTION_ARGON2_COST): Promise<string> {
  const { memoryCost, timeCost, parallelism } = cost;
  return argon2.hash(password.normalize('NFC'), { type: argon2.argon2id, memoryCost, timeCost, parallelism });
}

/** One dummy hash per cost, made once: a cache of derived values, never a setting. */
const dummyHashes = new Map<string, Promise<string>>();

function dummyHash(cost: Argon2Cost): Promise<string> {
  const id = `m=${cost.memoryCost},t=${cost.timeCost},p=${cost.parallelism}`;
  let hash = dummyHashes.get(id);
  if (hash === undefined) {
    hash = hashPassword('sesame-dummy-password-for-constant-time', cost);
    dummyHashes.set(id, hash);
  }
  return hash;
}

/**
 * Verifies against the hash (at the cost it was made with), or, when there
 * is none, against a dummy hash made at `cost` so that the check costs the same.
 */
export async function verifyPassword(
  hash: string | null,
  password: string,
  cost: Argon2Cost = PRODUCTION_ARGON2_COST,
): Promise<boolean> {
  const target = hash ?? (await dummyHash(cost));
  const matches = await argon2.verify(target, password.normalize('NFC')).catch(() => false);
  return hash !== null && matches;
}

/**
 * The primary password of an enabled local account (and, where 2FA cannot be
 * asked for, only of one without it). argon2 runs whatever the account, so
 * the cost says nothing about whether it exists or is eligible.
 */
export async function checkAccountPassword(
  ctx: Pick<Context, 'argon2Cost'>,
  row: UserRecord | null,
  password: string,
  options: { refuseTwoFactorAccounts: boolean },
): Promise<UserRecord | null> {
  const eligible =
    row !== null &&
    row.authSource === 'local' &&
    row.disabledAt === null &&
    !(options.refuseTwoFactorAccounts && row.sealedTotpSecret !== null);
  const matches = await verifyPassword(eligible ? row.passwordHash : null, password, argon2CostOf(ctx));
  return matches && eligible ? row : null;
}
