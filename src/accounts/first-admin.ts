/**
 * First start: with no user at all, create the administrator `admin` with a
 * generated password, which the caller prints once on the console. Safe when
 * several nodes start together: only one of them creates it.
 */
import crypto from 'node:crypto';
import { isSesameError } from '../errors.js';
import type { Context } from '../context.js';
import { SYSTEM_ACTOR } from '../audit/audit-log.js';
import { countUsers, createUser } from './users.js';

export const FIRST_ADMIN_NAME = 'admin';

/** 20 characters from a 56-symbol alphabet without look-alikes (≈116 bits). */
export function generateInitialPassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from({ length: 20 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

export async function ensureFirstAdmin(ctx: Context): Promise<{ username: string; password: string } | null> {
  if ((await countUsers(ctx)) > 0) return null;
  const password = generateInitialPassword();
  try {
    await createUser(ctx, { username: FIRST_ADMIN_NAME, password, role: 'admin' }, SYSTEM_ACTOR);
  } catch (error) {
    if (isSesameError(error, 'USER_EXISTS')) return null;
    throw error;
  }
  return { username: FIRST_ADMIN_NAME, password };
}
