/**
 * Web sessions (Copenhagen Book, server-side tokens): a 256-bit random token
 * in an HttpOnly cookie, only its SHA-256 stored, validated by one lookup
 * that also checks the account is enabled. Activity extends a session at most
 * once an hour, so reads do not turn into writes.
 *
 * A session is created only while the password that was verified is still
 * the account's and the account is enabled, checked under the user's row
 * lock: a sign-in racing a password change, a disabling or a revocation
 * either finishes before it (and its session is ended by it) or is refused.
 */
import crypto from 'node:crypto';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { Role, SignInMethod } from '../db/schema.js';
import { lockUser } from '../repositories/users.js';
import { deleteSessionRecord, extendSession, findSessionWithUser, insertSession } from '../repositories/sessions.js';

export const SESSION_IDLE_MS = 7 * 86_400_000;
const SESSION_BUMP_MS = 3_600_000;

export interface Session {
  id: string;
  userId: string;
  username: string;
  role: Role;
  method: SignInMethod;
  /** A local account without TOTP: the policy may require it to enrol before anything else. */
  lacksSecondFactor: boolean;
}

function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * Opens a session for a user whose password (`verifiedPasswordHash`) was
 * just checked; null when, meanwhile, the password changed or the account
 * was disabled.
 */
export async function createSession(
  ctx: Context,
  input: { userId: string; verifiedPasswordHash: string | null; method: SignInMethod; ip: string; client: string },
): Promise<{ token: string; sessionId: string; expiresAt: number } | null> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const sessionId = hashToken(token);
  const expiresAt = now + SESSION_IDLE_MS;
  const created = await ctx.db.transaction().execute(async (trx) => {
    if (!(await lockUser(trx, input.userId, { passwordHash: input.verifiedPasswordHash }))) return false;
    await insertSession(trx, {
      id: sessionId,
      userId: input.userId,
      method: input.method,
      createdAt: now,
      expiresAt,
      lastSeenAt: now,
      ip: input.ip,
      client: input.client,
    });
    return true;
  });
  return created ? { token, sessionId, expiresAt } : null;
}

export async function validateSessionToken(ctx: Context, token: string): Promise<Session | null> {
  const now = ctx.clock.now();
  const row = await findSessionWithUser(ctx.db, hashToken(token));
  if (!row || row.disabledAt !== null || row.expiresAt <= now) return null;
  if (now - row.lastSeenAt >= SESSION_BUMP_MS) await extendSession(ctx.db, row.id, now, now + SESSION_IDLE_MS);
  return {
    id: row.id,
    userId: row.userId,
    username: row.username,
    role: row.role,
    method: row.method,
    lacksSecondFactor: row.authSource === 'local' && !row.twoFactor,
  };
}

export function deleteSession(db: Db, sessionId: string): Promise<void> {
  return deleteSessionRecord(db, sessionId);
}
