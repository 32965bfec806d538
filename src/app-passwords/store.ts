/**
 * App passwords of a user: create (the only moment the secret exists
 * outside the client), list, rename or assign, delete, and admin revocation.
 * Every change is audited; no function here returns or logs a secret except
 * createAppPassword's result, which the caller shows once.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { getPolicy } from '../policy/policy.js';
import type { Context } from '../context.js';
import type { AppPasswordsTable, AssignmentSource } from '../db/schema.js';
import type { Db } from '../db/database.js';
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

export function toView(row: AppPasswordsTable, now: number): AppPasswordView {
  return {
    id: row.id,
    name: row.name,
    application: row.application,
    assignedBy: row.assigned_by,
    createdAt: formatInstant(row.created_at),
    expiresAt: formatInstant(row.expires_at),
    expired: row.expires_at <= now,
    lastUsed:
      row.last_used_at === null
        ? null
        : {
            at: formatInstant(row.last_used_at),
            ip: row.last_used_ip ?? '',
            client: row.last_used_client ?? '',
            application: row.last_used_application || null,
          },
  };
}

export interface CreateAppPasswordInput {
  name: string;
  application?: string | null;
  expiresInDays?: number;
}

/** Serialises concurrent changes to one user's passwords (and WebDAV locks) on every dialect (a row lock on PostgreSQL). */
export async function lockUser(trx: Db, userId: string): Promise<void> {
  const result = await trx
    .updateTable('users')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', userId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new SesameError('USER_NOT_FOUND', 'No such user.');
}

/**
 * A name is free when no active password of the user has it. An expired
 * password holding the name is retired (revoked as 'expired'): the help page
 * tells the user to generate a new password after expiry, under the same name.
 */
async function assertNameFree(trx: Db, userId: string, nameKey: string, now: number, exceptId?: string): Promise<void> {
  let retire = trx
    .updateTable('app_passwords')
    .set({ revoked_at: now, revoked_reason: 'expired' })
    .where('user_id', '=', userId)
    .where('name_key', '=', nameKey)
    .where('revoked_at', 'is', null)
    .where('expires_at', '<=', now);
  if (exceptId !== undefined) retire = retire.where('id', '!=', exceptId);
  await retire.execute();
  let query = trx
    .selectFrom('app_passwords')
    .select('id')
    .where('user_id', '=', userId)
    .where('name_key', '=', nameKey)
    .where('revoked_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) {
    throw new SesameError('NAME_TAKEN', 'You already have an app password with this name; choose another name.');
  }
}

export async function createAppPassword(
  ctx: Context,
  userId: string,
  input: CreateAppPasswordInput,
  actor: Actor,
): Promise<{ appPassword: AppPasswordView; secret: string }> {
  const { name, key } = validateAppPasswordName(input.name);
  const application = input.application == null ? null : requireApplication(input.application);
  const policy = await getPolicy(ctx.db);
  const now = ctx.clock.now();
  const expiresAt = computeExpiry(now, policy.appPasswordLifetimeDays, input.expiresInDays);
  const secret = generateSecret();
  const row: AppPasswordsTable = {
    id: crypto.randomUUID(),
    user_id: userId,
    name,
    name_key: key,
    secret_hash: ctx.key.hashAppPassword(secret),
    application,
    assigned_at: application === null ? null : now,
    assigned_by: application === null ? null : 'user',
    created_at: now,
    expires_at: expiresAt,
    revoked_at: null,
    revoked_reason: null,
    last_used_at: null,
    last_used_ip: null,
    last_used_client: null,
    last_used_application: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    const { active } = await trx
      .selectFrom('app_passwords')
      .select((eb) => eb.fn.countAll<number>().as('active'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    if (Number(active) >= policy.maxActiveAppPasswords) {
      throw new SesameError(
        'TOO_MANY_APP_PASSWORDS',
        `You already have ${policy.maxActiveAppPasswords} active app passwords, the most allowed; delete one first.`,
      );
    }
    await assertNameFree(trx, userId, key, now);
    await trx.insertInto('app_passwords').values(row).execute();
    await recordAudit(trx, now, actor, {
      action: 'app-password.created',
      targetUserId: userId,
      target: name,
      details: { appPasswordId: row.id, application, expiresAt: formatInstant(expiresAt) },
    });
  });
  return { appPassword: toView(row, now), secret };
}

export async function listAppPasswords(ctx: Context, userId: string): Promise<AppPasswordView[]> {
  const rows = await ctx.db
    .selectFrom('app_passwords')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  const now = ctx.clock.now();
  return rows.map((row) => toView(row, now));
}

async function requireOwnActive(trx: Db, userId: string | null, id: string): Promise<AppPasswordsTable> {
  let query = trx.selectFrom('app_passwords').selectAll().where('id', '=', id).where('revoked_at', 'is', null);
  if (userId !== null) query = query.where('user_id', '=', userId);
  const row = await query.executeTakeFirst();
  if (!row) throw new SesameError('APP_PASSWORD_NOT_FOUND', 'No such app password.');
  return row;
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
    await lockUser(trx, userId);
    const row = await requireOwnActive(trx, userId, id);
    const updated: AppPasswordsTable = { ...row };
    if (name !== undefined) {
      await assertNameFree(trx, userId, name.key, now, id);
      updated.name = name.name;
      updated.name_key = name.key;
    }
    if (application !== undefined && application !== row.application) {
      updated.application = application;
      updated.assigned_at = application === null ? null : now;
      updated.assigned_by = application === null ? null : 'user';
    }
    await trx
      .updateTable('app_passwords')
      .set({
        name: updated.name,
        name_key: updated.name_key,
        application: updated.application,
        assigned_at: updated.assigned_at,
        assigned_by: updated.assigned_by,
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, now, actor, {
      action: 'app-password.updated',
      targetUserId: userId,
      target: updated.name,
      details: {
        appPasswordId: id,
        previousName: row.name,
        application: updated.application,
        previousApplication: row.application,
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
    const row = await requireOwnActive(trx, ownerId, id);
    await trx.updateTable('app_passwords').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', id).execute();
    await recordAudit(trx, now, actor, {
      action: reason === 'deleted' ? 'app-password.deleted' : 'app-password.revoked',
      targetUserId: row.user_id,
      target: row.name,
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
