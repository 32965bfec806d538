/**
 * User accounts: creation, listing, disabling, and changes of the primary
 * password with their consequences (SPEC §3): a disabled account loses its
 * sessions and every credential at once; a new password ends the user's
 * other sessions and, by policy, revokes their app passwords.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { formatInstant } from '../app-passwords/expiry.js';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { getPolicy } from '../policy/policy.js';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { AuthSource, Role, UsersTable } from '../db/schema.js';
import { hashPassword, validateNewPassword, verifyPassword } from './primary-password.js';
import { validateUsername, usernameKey } from './username.js';
import { deleteSessionsOfUser } from './sessions.js';
import { guardedAttempt } from '../auth/attempt.js';

export interface User {
  id: string;
  username: string;
  role: Role;
  authSource: AuthSource;
  twoFactor: boolean;
  disabled: boolean;
  createdAt: string;
}

export function toUser(row: UsersTable): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    authSource: row.auth_source,
    twoFactor: row.totp_secret !== null,
    disabled: row.disabled_at !== null,
    createdAt: formatInstant(row.created_at),
  };
}

export async function createUser(
  ctx: Context,
  input: { username: string; password: string; role: Role },
  actor: Actor,
): Promise<User> {
  const { username, key } = validateUsername(input.username);
  validateNewPassword(input.password);
  const now = ctx.clock.now();
  const row: UsersTable = {
    id: crypto.randomUUID(),
    username,
    username_key: key,
    role: input.role,
    auth_source: 'local',
    password_hash: await hashPassword(input.password),
    totp_secret: null,
    totp_last_step: null,
    disabled_at: null,
    password_changed_at: now,
    created_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    // Atomic against a concurrent creation of the same name (on any node).
    const inserted = await trx
      .insertInto('users')
      .values(row)
      .onConflict((oc) => oc.column('username_key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new SesameError('USER_EXISTS', `A user named "${username}" already exists.`);
    }
    await recordAudit(trx, now, actor, {
      action: 'user.created',
      targetUserId: row.id,
      target: username,
      details: { role: row.role },
    });
  });
  return toUser(row);
}

/** Administrator accounts, disabled ones included. */
export async function countAdmins(ctx: Context): Promise<number> {
  const { count } = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function listUsers(ctx: Context): Promise<User[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('username_key').execute();
  return rows.map(toUser);
}

export async function findUserRow(ctx: Context, username: string): Promise<UsersTable | undefined> {
  return ctx.db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
}

export async function requireUserRow(ctx: Context, username: string): Promise<UsersTable> {
  const row = await findUserRow(ctx, username);
  if (!row) throw new SesameError('USER_NOT_FOUND', `No user named "${username}".`);
  return row;
}

async function requireUserRowById(db: Db, id: string): Promise<UsersTable> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SesameError('USER_NOT_FOUND', 'No such user.');
  return row;
}

function requireLocalAccount(row: UsersTable): void {
  if (row.auth_source !== 'local') {
    throw new SesameError('PASSWORD_NOT_LOCAL', 'This account signs in through single sign-on and has no password here.');
  }
}

export async function getUserById(ctx: Context, id: string): Promise<User> {
  return toUser(await requireUserRowById(ctx.db, id));
}

/** Disables the account: its sessions end and its app passwords stop working at the next request. */
export async function disableUser(ctx: Context, userId: string, actor: Actor): Promise<User> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireUserRowById(trx, userId);
    if (row.disabled_at === null) {
      await trx.updateTable('users').set({ disabled_at: now }).where('id', '=', userId).execute();
      await deleteSessionsOfUser(trx, userId);
      await recordAudit(trx, now, actor, { action: 'user.disabled', targetUserId: userId, target: row.username });
    }
    return toUser({ ...row, disabled_at: row.disabled_at ?? now });
  });
}

/**
 * Sets a new primary password. `keepSessionId` is the session that asked for
 * the change, which stays signed in; every other session of the user ends.
 */
export async function setPrimaryPassword(
  ctx: Context,
  userId: string,
  newPassword: string,
  actor: Actor,
  keepSessionId?: string,
): Promise<{ revokedAppPasswords: number }> {
  validateNewPassword(newPassword);
  const hash = await hashPassword(newPassword);
  const policy = await getPolicy(ctx.db);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireUserRowById(trx, userId);
    requireLocalAccount(row);
    await trx.updateTable('users').set({ password_hash: hash, password_changed_at: now }).where('id', '=', userId).execute();
    await deleteSessionsOfUser(trx, userId, keepSessionId);
    let revokedAppPasswords = 0;
    if (policy.revokeAppPasswordsOnPasswordChange) {
      const result = await trx
        .updateTable('app_passwords')
        .set({ revoked_at: now, revoked_reason: 'password-changed' })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      revokedAppPasswords = Number(result.numUpdatedRows);
    }
    await recordAudit(trx, now, actor, {
      action: 'user.password-changed',
      targetUserId: userId,
      target: row.username,
      details: { revokedAppPasswords },
    });
    return { revokedAppPasswords };
  });
}

/**
 * The user's own change: the current password must be right, and guessing it
 * is throttled like a sign-in (a stolen session must not become an oracle).
 */
export async function changeOwnPassword(
  ctx: Context,
  change: { userId: string; sessionId: string | undefined; currentPassword: string; newPassword: string; client: string },
  actor: Actor,
): Promise<{ revokedAppPasswords: number }> {
  validateNewPassword(change.newPassword);
  const row = await requireUserRowById(ctx.db, change.userId);
  requireLocalAccount(row);
  await guardedAttempt(
    ctx,
    { ip: actor.ip, client: change.client, usernameKey: row.username_key, method: 'password', application: '' },
    async (guard) => {
      await guard.beforeGuessableCheck();
      return (await verifyPassword(row.password_hash, change.currentPassword)) ? row : null;
    },
    () => new SesameError('CURRENT_PASSWORD_WRONG', 'The current password is not right.'),
  );
  return setPrimaryPassword(ctx, change.userId, change.newPassword, actor, change.sessionId);
}

/** Turns on TOTP for a local account with an already confirmed base32 secret (stored sealed), or off with null. */
export async function setTotpSecret(ctx: Context, userId: string, base32Secret: string | null): Promise<void> {
  await ctx.db
    .updateTable('users')
    .set({ totp_secret: base32Secret === null ? null : ctx.key.sealTotpSecret(base32Secret), totp_last_step: null })
    .where('id', '=', userId)
    .execute();
}
