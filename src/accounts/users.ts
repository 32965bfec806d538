/**
 * User accounts: creation, listing, disabling and enabling again, and changes
 * of the primary password with their consequences: a disabled account loses
 * its sessions and every credential at once (its app passwords are
 * suspended, not revoked); a new password ends the user's other sessions
 * and, by policy, revokes their app passwords. Each change holds the user's
 * row lock, so that a concurrent sign-in or app-password creation is ordered
 * before it (and undone by it) or after it (and refused). No person can lock
 * everyone out: an administrator cannot disable their own account, and the
 * last enabled administrator cannot be disabled.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { formatInstant } from '../app-passwords/expiry.js';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit-log.js';
import { getPolicy } from '../policy/policy.js';
import { guardedAttempt } from '../throttle/guarded-attempt.js';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { AuthSource, Role } from '../db/schema.js';
import { revokeAllOfUser } from '../repositories/app-passwords.js';
import { deleteSessionsOfUser } from '../repositories/sessions.js';
import { lastWebSignIns } from '../repositories/connections.js';
import { deleteRecoveryCodesOfUser } from '../repositories/recovery-codes.js';
import {
  countAdminRecords,
  findUserById,
  findUserByKey,
  insertUserIfNameFree,
  listUserRecords,
  lockEnabledAdmins,
  lockUser,
  setDisabledAt,
  setPasswordHash,
  setSealedTotpSecret,
  type UserRecord,
} from '../repositories/users.js';
import { argon2CostOf, hashPassword, validateNewPassword, verifyPassword } from './primary-password.js';
import { validateUsername, usernameKey } from './username.js';

export interface User {
  id: string;
  username: string;
  role: Role;
  authSource: AuthSource;
  twoFactor: boolean;
  disabled: boolean;
  createdAt: string;
}

export function toUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    role: record.role,
    authSource: record.authSource,
    twoFactor: record.sealedTotpSecret !== null,
    disabled: record.disabledAt !== null,
    createdAt: formatInstant(record.createdAt),
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
  const record: UserRecord = {
    id: crypto.randomUUID(),
    username,
    usernameKey: key,
    role: input.role,
    authSource: 'local',
    passwordHash: await hashPassword(input.password, argon2CostOf(ctx)),
    sealedTotpSecret: null,
    totpLastStep: null,
    sealedPendingTotpSecret: null,
    disabledAt: null,
    passwordChangedAt: now,
    createdAt: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await insertUserIfNameFree(trx, record))) {
      throw new SesameError('USER_EXISTS', `A user named "${username}" already exists.`);
    }
    await recordAudit(trx, now, actor, {
      action: 'user.created',
      targetUserId: record.id,
      target: username,
      details: { role: record.role },
    });
  });
  return toUser(record);
}

/** Administrator accounts, disabled ones included. */
export function countAdmins(ctx: Context): Promise<number> {
  return countAdminRecords(ctx.db);
}

export async function listUsers(ctx: Context): Promise<User[]> {
  return (await listUserRecords(ctx.db)).map(toUser);
}

/** The users as the administration lists them: with each one's last web sign-in (null: never). */
export async function listUsersWithLastSignIn(ctx: Context): Promise<(User & { lastSignInAt: string | null })[]> {
  const [records, lastSignIns] = await Promise.all([listUserRecords(ctx.db), lastWebSignIns(ctx.db)]);
  return records.map((record) => {
    const last = lastSignIns.get(record.id);
    return { ...toUser(record), lastSignInAt: last === undefined ? null : formatInstant(last) };
  });
}

/**
 * An administrator turns off the two-factor authentication of a local
 * account whose owner lost their authenticator and recovery codes: the
 * secret and the codes are deleted and every session of the account ends,
 * so the owner signs in again with the password alone (and, if the policy
 * requires 2FA, enrols again at once). Audited `user.totp-reset`.
 */
export async function resetTwoFactor(ctx: Context, userId: string, actor: Actor): Promise<User> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const record = await requireLockedUser(trx, userId);
    if (record.authSource !== 'local') {
      throw new SesameError(
        'TOTP_NOT_LOCAL',
        'This account signs in through single sign-on; its provider handles the second factor.',
      );
    }
    if (record.sealedTotpSecret === null) {
      throw new SesameError('TOTP_NOT_ENABLED', 'This account has no two-factor authentication to reset.');
    }
    await setSealedTotpSecret(trx, userId, null);
    await deleteRecoveryCodesOfUser(trx, userId);
    await deleteSessionsOfUser(trx, userId);
    await recordAudit(trx, now, actor, { action: 'user.totp-reset', targetUserId: userId, target: record.username });
    return toUser({ ...record, sealedTotpSecret: null, sealedPendingTotpSecret: null, totpLastStep: null });
  });
}

export async function requireUserNamed(ctx: Context, username: string): Promise<UserRecord> {
  const record = await findUserByKey(ctx.db, usernameKey(username));
  if (!record) throw new SesameError('USER_NOT_FOUND', `No user named "${username}".`);
  return record;
}

async function requireUserRecord(db: Db, id: string): Promise<UserRecord> {
  const record = await findUserById(db, id);
  if (!record) throw new SesameError('USER_NOT_FOUND', 'No such user.');
  return record;
}

/** Locks the user's row for the rest of the transaction; USER_NOT_FOUND when there is none. */
async function requireLockedUser(trx: Db, id: string): Promise<UserRecord> {
  const record = await lockUser(trx, id);
  if (!record) throw new SesameError('USER_NOT_FOUND', 'No such user.');
  return record;
}

function requireLocalAccount(record: UserRecord): void {
  if (record.authSource !== 'local') {
    throw new SesameError('PASSWORD_NOT_LOCAL', 'This account signs in through single sign-on and has no password here.');
  }
}

export async function getUserById(ctx: Context, id: string): Promise<User> {
  return toUser(await requireUserRecord(ctx.db, id));
}

/**
 * Moves the account to `disabledAt` (a time: disabled; null: enabled) under
 * its row lock, running `change` (the writes and the audit entry) only when
 * the account is not already in that state: repeating it changes nothing.
 * `beforeLock` runs first in the same transaction (locks that must come
 * before the account's own), `check` once the account is locked.
 */
async function setAccountState(
  ctx: Context,
  userId: string,
  disabledAt: number | null,
  change: (trx: Db, record: UserRecord) => Promise<void>,
  guard: { beforeLock(trx: Db): Promise<void>; check(record: UserRecord): void } | null = null,
): Promise<User> {
  return ctx.db.transaction().execute(async (trx) => {
    await guard?.beforeLock(trx);
    const record = await requireLockedUser(trx, userId);
    if ((record.disabledAt === null) === (disabledAt === null)) return toUser(record);
    guard?.check(record);
    await setDisabledAt(trx, userId, disabledAt);
    await change(trx, record);
    return toUser({ ...record, disabledAt });
  });
}

/**
 * What a person (an administrator in the interface or the API, or the CLI)
 * may not do: disable their own account, or the last enabled administrator.
 * The enabled administrators are locked first, so that two administrators
 * disabling each other at once on any node cannot both succeed.
 */
function lockoutGuard(actor: Actor): { beforeLock(trx: Db): Promise<void>; check(record: UserRecord): void } {
  let enabledAdmins: string[] = [];
  return {
    async beforeLock(trx) {
      enabledAdmins = await lockEnabledAdmins(trx);
    },
    check(record) {
      if (actor.userId === record.id) {
        throw new SesameError('CANNOT_DISABLE_SELF', 'You cannot disable your own account; another administrator can.');
      }
      if (record.role === 'admin' && !enabledAdmins.some((id) => id !== record.id)) {
        throw new SesameError(
          'LAST_ADMIN',
          `"${record.username}" is the last enabled administrator; make another administrator first, or nobody could administer Sésame.`,
        );
      }
    },
  };
}

/**
 * Disables the account: its sessions end and its app passwords stop working at the next request.
 * `reason` is recorded in the audit entry when the system, not a person, decided it; the system
 * (the provider refusing an SSO account) may disable any account, the last administrator included,
 * whom `sesame user enable` brings back.
 */
export async function disableUser(ctx: Context, userId: string, actor: Actor, reason?: string): Promise<User> {
  const now = ctx.clock.now();
  return setAccountState(
    ctx,
    userId,
    now,
    async (trx, record) => {
      await deleteSessionsOfUser(trx, userId);
      await recordAudit(trx, now, actor, {
        action: 'user.disabled',
        targetUserId: userId,
        target: record.username,
        ...(reason === undefined ? {} : { details: { reason } }),
      });
    },
    actor === SYSTEM_ACTOR ? null : lockoutGuard(actor),
  );
}

/**
 * Enables a disabled account again: it was suspended, not wiped, so its app
 * passwords neither revoked nor expired work again at the next request on
 * every node. Its sessions do not come back (disabling deleted them). An SSO
 * account stays subject to the re-check, which disables it again if the
 * provider still refuses its refresh token.
 */
export async function enableUser(ctx: Context, userId: string, actor: Actor): Promise<User> {
  const now = ctx.clock.now();
  return setAccountState(ctx, userId, null, async (trx, record) => {
    await recordAudit(trx, now, actor, { action: 'user.enabled', targetUserId: userId, target: record.username });
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
  const hash = await hashPassword(newPassword, argon2CostOf(ctx));
  const policy = await getPolicy(ctx.db);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const record = await requireLockedUser(trx, userId);
    requireLocalAccount(record);
    await setPasswordHash(trx, userId, hash, now);
    await deleteSessionsOfUser(trx, userId, keepSessionId);
    const revokedAppPasswords = policy.revokeAppPasswordsOnPasswordChange
      ? await revokeAllOfUser(trx, userId, { reason: 'password-changed', by: actor.name }, now)
      : 0;
    await recordAudit(trx, now, actor, {
      action: 'user.password-changed',
      targetUserId: userId,
      target: record.username,
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
  change: { userId: string; sessionId: string | undefined; currentPassword: string; newPassword: string },
  actor: Actor,
): Promise<{ revokedAppPasswords: number }> {
  validateNewPassword(change.newPassword);
  const record = await requireUserRecord(ctx.db, change.userId);
  requireLocalAccount(record);
  await guardedAttempt(
    ctx,
    { ip: actor.ip, client: actor.client, usernameKey: record.usernameKey, method: 'password', application: null },
    async (guard) => {
      await guard.beforeGuessableCheck();
      return (await verifyPassword(record.passwordHash, change.currentPassword, argon2CostOf(ctx))) ? record : null;
    },
    () => new SesameError('CURRENT_PASSWORD_WRONG', 'The current password is not right.'),
  );
  return setPrimaryPassword(ctx, change.userId, change.newPassword, actor, change.sessionId);
}

/** Turns on TOTP for a local account with an already confirmed base32 secret (stored sealed), or off with null. */
export async function setTotpSecret(ctx: Context, userId: string, base32Secret: string | null): Promise<void> {
  await setSealedTotpSecret(ctx.db, userId, base32Secret === null ? null : ctx.key.sealTotpSecret(base32Secret));
}
