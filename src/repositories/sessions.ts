/**
 * The `sessions` table: every statement on it. Rows are keyed by the
 * SHA-256 of the token; the token itself never reaches this module.
 */
import type { Db } from '../db/database.js';
import type { AuthSource, Role, SignInMethod } from '../db/schema.js';

export interface SessionRecord {
  /** SHA-256 of the token, hex. */
  id: string;
  userId: string;
  method: SignInMethod;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  ip: string;
  client: string;
}

export interface SessionWithUser {
  id: string;
  userId: string;
  method: SignInMethod;
  expiresAt: number;
  lastSeenAt: number;
  username: string;
  role: Role;
  authSource: AuthSource;
  twoFactor: boolean;
  disabledAt: number | null;
}

export async function insertSession(db: Db, session: SessionRecord): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      method: session.method,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.lastSeenAt,
      ip: session.ip,
      client: session.client,
    })
    .execute();
}

/** One lookup joining the user. */
export async function findSessionWithUser(db: Db, id: string): Promise<SessionWithUser | null> {
  const row = await db
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
      'users.auth_source',
      'users.totp_secret',
      'users.disabled_at',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    userId: row.user_id,
    method: row.method,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    username: row.username,
    role: row.role,
    authSource: row.auth_source,
    twoFactor: row.totp_secret !== null,
    disabledAt: row.disabled_at,
  };
}

export async function sessionExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('sessions').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function extendSession(db: Db, id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt }).where('id', '=', id).execute();
}

export async function deleteSessionRecord(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOfUser(db: Db, userId: string, exceptId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  await query.execute();
}

/** Sessions not yet expired at `now` (for the metrics). */
export async function countLiveSessions(db: Db, now: number): Promise<number> {
  const { live } = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('live'))
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(live);
}
