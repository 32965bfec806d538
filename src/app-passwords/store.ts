/**
 * App passwords of a user: create (the only moment the secret exists
 * outside the client), list, rename or assign, delete, and admin revocation.
 * Every change is audited; no function here returns or logs a secret except
 * createAppPassword's result, which the caller shows once.
 *
 * Creation holds the owner's row lock and checks, under it, that the
 * account is enabled and the requesting session still exists: a password
 * change, a disabling or an admin revocation that committed first is never
 * outlived by a password created from a session it ended.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { getPolicy } from '../policy/policy.js';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { AssignmentSource, RevocationReason } from '../db/schema.js';
import {
  activeNameExists,
  countUsable,
  findActive,
  insertAppPassword,
  listActive,
  listEndedSince,
  retireExpiredName,
  revokeActive,
  updateNameAndAssignment,
  type AppPasswordRecord,
} from '../repositories/app-passwords.js';
import { sessionExists } from '../repositories/sessions.js';
import { lockUser } from '../repositories/users.js';
import { requireApplication } from './applications.js';
import { computeExpiry, formatInstant } from './expiry.js';
import { validateAppPasswordName } from './name.js';
import { generateSecret } from './secret.js';

export interface AppPasswordView {
  id: string;
  name: string;
  /** Application id, or null while unassigned ("Non affectée"). */
  application: string | null;
  assignedBy: AssignmentSource | null;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
  lastUsed: { at: string; ip: string; client: string; application: string | null } | null;
}

export function toView(record: AppPasswordRecord, now: number): AppPasswordView {
  return {
    id: record.id,
    name: record.name,
    application: record.application,
    assignedBy: record.assignedBy,
    createdAt: formatInstant(record.createdAt),
    expiresAt: formatInstant(record.expiresAt),
    expired: record.expiresAt <= now,
    lastUsed: record.lastUse === null ? null : { ...record.lastUse, at: formatInstant(record.lastUse.at) },
  };
}

export interface CreateAppPasswordInput {
  name: string;
  application?: string | null;
  expiresInDays?: number;
}

/** Who asks for a creation: a web session (which must still exist when the password is written), or the CLI. */
export type Requester = { sessionId: string } | 'cli';

function notFound(): SesameError {
  return new SesameError('APP_PASSWORD_NOT_FOUND', 'No such app password.');
}

/** Serialises concurrent changes to one user's passwords on every dialect (a row lock on PostgreSQL). */
async function lockOwner(trx: Db, userId: string): Promise<void> {
  if (!(await lockUser(trx, userId))) throw new SesameError('USER_NOT_FOUND', 'No such user.');
}

/**
 * A name is free when no active password of the user has it. An expired
 * password holding the name is retired (revoked as 'expired'): the help page
 * tells the user to generate a new password after expiry, under the same name.
 */
async function assertNameFree(trx: Db, userId: string, nameKey: string, now: number, exceptId?: string): Promise<void> {
  await retireExpiredName(trx, userId, nameKey, now, exceptId);
  if (await activeNameExists(trx, userId, nameKey, exceptId)) {
    throw new SesameError('NAME_TAKEN', 'You already have an app password with this name; choose another name.');
  }
}

export async function createAppPassword(
  ctx: Context,
  userId: string,
  input: CreateAppPasswordInput,
  actor: Actor,
  requester: Requester,
): Promise<{ appPassword: AppPasswordView; secret: string }> {
  const { name, key } = validateAppPasswordName(input.name);
  const application = input.application == null ? null : requireApplication(input.application);
  const policy = await getPolicy(ctx.db);
  const secret = generateSecret();
  const secretHash = ctx.key.hashAppPassword(secret);
  const record = await ctx.db.transaction().execute(async (trx) => {
    const owner = await lockUser(trx, userId);
    if (!owner) throw new SesameError('USER_NOT_FOUND', 'No such user.');
    if (owner.disabledAt !== null || (requester !== 'cli' && !(await sessionExists(trx, requester.sessionId)))) {
      throw new SesameError('UNAUTHENTICATED', 'Your session has ended; sign in again.');
    }
    // Taken under the lock, so that a password change committed before this one is earlier than its creation.
    const now = ctx.clock.now();
    const expiresAt = computeExpiry(now, policy.appPasswordLifetimeDays, input.expiresInDays);
    if ((await countUsable(trx, userId, now)) >= policy.maxActiveAppPasswords) {
      throw new SesameError(
        'TOO_MANY_APP_PASSWORDS',
        `You already have ${policy.maxActiveAppPasswords} active app passwords, the most allowed; delete one first.`,
      );
    }
    await assertNameFree(trx, userId, key, now);
    const created: AppPasswordRecord = {
      id: crypto.randomUUID(),
      userId,
      name,
      nameKey: key,
      secretHash,
      application,
      assignedAt: application === null ? null : now,
      assignedBy: application === null ? null : 'user',
      createdAt: now,
      expiresAt,
      revokedAt: null,
      revokedReason: null,
      revokedBy: null,
      lastUse: null,
    };
    await insertAppPassword(trx, created);
    await recordAudit(trx, now, actor, {
      action: 'app-password.created',
      targetUserId: userId,
      target: name,
      details: { appPasswordId: created.id, application, expiresAt: formatInstant(expiresAt) },
    });
    return created;
  });
  return { appPassword: toView(record, record.createdAt), secret };
}

/** How long a password that ended (revoked, deleted, expired) stays in its owner's history. */
export const HISTORY_DAYS = 90;

/** A password that ended: when, how, and who ended it ('system' for an expiry or a retired name; the CLI is 'cli'). */
export interface EndedAppPasswordView extends AppPasswordView {
  ended: { at: string; reason: RevocationReason; by: string | null };
}

/** The user's passwords that ended in the last HISTORY_DAYS days, newest end first. */
export async function listAppPasswordHistory(ctx: Context, userId: string): Promise<EndedAppPasswordView[]> {
  const now = ctx.clock.now();
  const records = await listEndedSince(ctx.db, userId, now - HISTORY_DAYS * 86_400_000, now);
  return records.map((record) => ({
    ...toView(record, now),
    ended:
      record.revokedAt === null
        ? { at: formatInstant(record.expiresAt), reason: 'expired', by: 'system' }
        : { at: formatInstant(record.revokedAt), reason: record.revokedReason ?? 'deleted', by: record.revokedBy },
  }));
}

/** What the policy allows a user, and how much of it is used: active (usable) passwords, and the lifetime. */
export async function appPasswordLimits(
  ctx: Context,
  userId: string,
): Promise<{ active: number; maxActive: number; lifetimeDays: number }> {
  const policy = await getPolicy(ctx.db);
  return {
    active: await countUsable(ctx.db, userId, ctx.clock.now()),
    maxActive: policy.maxActiveAppPasswords,
    lifetimeDays: policy.appPasswordLifetimeDays,
  };
}

export async function listAppPasswords(ctx: Context, userId: string): Promise<AppPasswordView[]> {
  const records = await listActive(ctx.db, userId);
  const now = ctx.clock.now();
  return records.map((record) => toView(record, now));
}

/** Renames a password and/or assigns it ("Configurer"); `application: null` unassigns it. */
export async function updateAppPassword(
  ctx: Context,
  userId: string,
  id: string,
  changes: { name?: string; application?: string | null },
  actor: Actor,
): Promise<AppPasswordView> {
  const name = changes.name === undefined ? undefined : validateAppPasswordName(changes.name);
  const application =
    changes.application === undefined ? undefined : changes.application === null ? null : requireApplication(changes.application);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await lockOwner(trx, userId);
    const record = await findActive(trx, id, userId);
    if (!record) throw notFound();
    const updated: AppPasswordRecord = { ...record };
    if (name !== undefined) {
      await assertNameFree(trx, userId, name.key, now, id);
      updated.name = name.name;
      updated.nameKey = name.key;
    }
    if (application !== undefined && application !== record.application) {
      updated.application = application;
      updated.assignedAt = application === null ? null : now;
      updated.assignedBy = application === null ? null : 'user';
    }
    if (!(await updateNameAndAssignment(trx, updated))) throw notFound();
    await recordAudit(trx, now, actor, {
      action: 'app-password.updated',
      targetUserId: userId,
      target: updated.name,
      details: {
        appPasswordId: id,
        previousName: record.name,
        application: updated.application,
        previousApplication: record.application,
      },
    });
    return toView(updated, now);
  });
}

async function revoke(
  ctx: Context,
  ownerId: string | null,
  id: string,
  reason: 'deleted' | 'admin',
  actor: Actor,
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const revoked = await revokeActive(trx, id, ownerId, { reason, by: actor.name }, now);
    if (!revoked) throw notFound();
    await recordAudit(trx, now, actor, {
      action: reason === 'deleted' ? 'app-password.deleted' : 'app-password.revoked',
      targetUserId: revoked.userId,
      target: revoked.name,
      details: { appPasswordId: id },
    });
  });
}

/** The owner deletes one of their passwords (the trash icon). */
export function deleteAppPassword(ctx: Context, userId: string, id: string, actor: Actor): Promise<void> {
  return revoke(ctx, userId, id, 'deleted', actor);
}

/** An administrator revokes any user's password. */
export function revokeAppPassword(ctx: Context, id: string, actor: Actor): Promise<void> {
  return revoke(ctx, null, id, 'admin', actor);
}
