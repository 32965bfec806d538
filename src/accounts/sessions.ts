/**
 * Web sessions (Copenhagen Book, server-side tokens): a 256-bit random token
 * in an HttpOnly cookie, only its SHA-256 stored, validated by one lookup
 * that also checks the account is enabled. Activity extends a session at most
 * once an hour, so reads do not turn into writes.
 */
import crypto from 'node:crypto';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { Role, SignInMethod } from '../db/schema.js';

export const SESSION_IDLE_MS = 7 * 86_400_000;
const SESSION_BUMP_MS = 3_600_000;

export interface Session {
  id: string;
  userId: string;
  username: string;
  role: Role;
  method: SignInMethod;
}

function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  ctx: Context,
  input: { userId: string; method: SignInMethod; ip: string; client: string },
): Promise<{ token: string; sessionId: string; expiresAt: number }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const sessionId = hashToken(token);
  const expiresAt = now + SESSION_IDLE_MS;
  await ctx.db
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: input.userId,
      method: input.method,
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
      ip: input.ip,
      client: input.client,
    })
    .execute();
  return { token, sessionId, expiresAt };
}

export async function validateSessionToken(ctx: Context, token: string): Promise<Session | null> {
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.method',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'users.username',
      'users.role',
      'users.disabled_at',
    ])
    .where('sessions.id', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.disabled_at !== null || row.expires_at <= now) return null;
  if (now - row.last_seen_at >= SESSION_BUMP_MS) {
    await ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: now + SESSION_IDLE_MS })
      .where('id', '=', row.id)
      .execute();
  }
  return { id: row.id, userId: row.user_id, username: row.username, role: row.role, method: row.method };
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function deleteSessionsOfUser(db: Db, userId: string, exceptSessionId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
  await query.execute();
}
