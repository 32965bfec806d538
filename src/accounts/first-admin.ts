/**
 * First start: while no administrator account exists — an empty database,
 * or one where `sesame user add` made only regular users — create the
 * administrator `admin` with a generated password, which the caller prints
 * once on the console. The caller does this only once the server listens,
 * so that a start that fails (port taken) creates nobody whose password
 * would never be shown. Safe when several nodes start together: only one
 * of them creates it.
 */
import crypto from 'node:crypto';
import { isSesameError } from '../errors.js';
import type { Context } from '../context.js';
import { SYSTEM_ACTOR } from '../audit/audit-log.js';
import { countAdmins, createUser } from './users.js';

export const FIRST_ADMIN_NAME = 'admin';

/** 20 characters from a 56-symbol alphabet without look-alikes (≈116 bits). */
export function generateInitialPassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from({ length: 20 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

export type FirstAdmin =
  | { kind: 'created'; username: string; password: string }
  | { kind: 'exists' }
  /** No administrator, and a regular account already holds the name `admin`. */
  | { kind: 'name-taken'; username: string };

export async function ensureFirstAdmin(ctx: Context): Promise<FirstAdmin> {
  if ((await countAdmins(ctx)) > 0) return { kind: 'exists' };
  const password = generateInitialPassword();
  try {
    await createUser(ctx, { username: FIRST_ADMIN_NAME, password, role: 'admin' }, SYSTEM_ACTOR);
  } catch (error) {
    if (!isSesameError(error, 'USER_EXISTS')) throw error;
    // Another node created it at the same moment, or a regular user has the name.
    return (await countAdmins(ctx)) > 0 ? { kind: 'exists' } : { kind: 'name-taken', username: FIRST_ADMIN_NAME };
  }
  return { kind: 'created', username: FIRST_ADMIN_NAME, password };
}
