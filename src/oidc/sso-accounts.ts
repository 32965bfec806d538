/**
 * SSO accounts: found by (issuer, sub) — never by e-mail, so a local account
 * with the same address is never taken over — or provisioned just in time
 * with no primary password; the admin group applied at each confirmation by
 * the provider. Each change holds the user's row lock, like every other
 * credential change (accounts/users.ts).
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { findOidcAccount, insertOidcAccountIfNew, recordConfirmation } from '../repositories/oidc-accounts.js';
import { insertUserIfNameFree, lockUser, setRole, type UserRecord } from '../repositories/users.js';
import { usernameKey } from '../accounts/username.js';
import { roleFromGroups, usernameCandidates, type ProviderIdentity } from './identity.js';

export interface Confirmation {
  identity: ProviderIdentity;
  /** Sealed; undefined when the provider gave none this time (the one kept stays). */
  sealedRefreshToken: string | undefined;
}

/** Sets the role the admin group gives, with an audit entry when it changes. */
export async function applyAdminGroup(
  trx: Db,
  now: number,
  record: UserRecord,
  groups: readonly string[],
  adminGroup: string | null,
): Promise<UserRecord> {
  const role = roleFromGroups(groups, adminGroup);
  if (role === null || role === record.role) return record;
  await setRole(trx, record.id, role);
  await recordAudit(trx, now, SYSTEM_ACTOR, {
    action: 'user.role-changed',
    targetUserId: record.id,
    target: record.username,
    details: { role, reason: 'sso-admin-group' },
  });
  return { ...record, role };
}

async function confirmExisting(ctx: Context, userId: string, confirmation: Confirmation, adminGroup: string | null) {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const record = await lockUser(trx, userId);
    if (!record || record.disabledAt !== null) {
      throw new SesameError('SSO_ACCOUNT_DISABLED', 'This account is disabled.');
    }
    await recordConfirmation(trx, userId, {
      at: now,
      email: confirmation.identity.email,
      ...(confirmation.sealedRefreshToken === undefined ? {} : { sealedRefreshToken: confirmation.sealedRefreshToken }),
    });
    return applyAdminGroup(trx, now, record, confirmation.identity.groups, adminGroup);
  });
}

/** Raised inside the provisioning transaction when another sign-in provisioned the same identity first. */
class ProvisionedMeanwhile extends Error {}

async function provision(ctx: Context, confirmation: Confirmation, adminGroup: string | null): Promise<UserRecord> {
  const { identity } = confirmation;
  const now = ctx.clock.now();
  for (const username of usernameCandidates(identity)) {
    const record: UserRecord = {
      id: crypto.randomUUID(),
      username,
      usernameKey: usernameKey(username),
      role: roleFromGroups(identity.groups, adminGroup) ?? 'user',
      authSource: 'oidc',
      passwordHash: null,
      sealedTotpSecret: null,
      totpLastStep: null,
      sealedPendingTotpSecret: null,
      disabledAt: null,
      passwordChangedAt: null,
      createdAt: now,
    };
    const created = await ctx.db.transaction().execute(async (trx) => {
      if (!(await insertUserIfNameFree(trx, record))) return false;
      const account = {
        userId: record.id,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        sealedRefreshToken: confirmation.sealedRefreshToken ?? null,
        lastCheckedAt: now,
        createdAt: now,
      };
      if (!(await insertOidcAccountIfNew(trx, account))) throw new ProvisionedMeanwhile();
      await recordAudit(trx, now, SYSTEM_ACTOR, {
        action: 'user.sso-provisioned',
        targetUserId: record.id,
        target: username,
        details: { issuer: identity.issuer, role: record.role },
      });
      return true;
    });
    if (created) return record;
  }
  throw new SesameError('SSO_FAILED', 'No username could be made for this account.');
}

/**
 * The account of a sign-in the provider just confirmed: the existing one of
 * (issuer, sub), or a new one. SSO_ACCOUNT_DISABLED when it is disabled.
 */
export async function signInOrProvision(
  ctx: Context,
  confirmation: Confirmation,
  adminGroup: string | null,
): Promise<{ record: UserRecord; provisioned: boolean }> {
  const { issuer, subject } = confirmation.identity;
  const existing = await findOidcAccount(ctx.db, issuer, subject);
  if (existing) return { record: await confirmExisting(ctx, existing.userId, confirmation, adminGroup), provisioned: false };
  try {
    return { record: await provision(ctx, confirmation, adminGroup), provisioned: true };
  } catch (error) {
    if (!(error instanceof ProvisionedMeanwhile)) throw error;
  }
  const winner = await findOidcAccount(ctx.db, issuer, subject);
  if (!winner) throw new SesameError('SSO_FAILED', 'The account could not be provisioned.');
  return { record: await confirmExisting(ctx, winner.userId, confirmation, adminGroup), provisioned: false };
}
