/**
 * Admin policy, stored in the database so that every node applies the same
 * rules at once. Read where a decision needs it; never cached in-process.
 */
import { SesameError } from '../errors.js';
import type { Db } from '../db/database.js';
import type { Context } from '../context.js';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { readPolicyValues, writePolicyValue } from '../repositories/policy.js';

export interface Policy {
  /** Lifetime of a new app password, and the longest a user may choose. */
  appPasswordLifetimeDays: number;
  maxActiveAppPasswords: number;
  /** Revoke a user's app passwords when their primary password changes. */
  revokeAppPasswordsOnPasswordChange: boolean;
  /** Accept the primary password over Basic auth (local accounts without 2FA only). */
  allowPrimaryPasswordOverBasic: boolean;
  /** Bytes each user's file space may hold; 0 = unlimited. */
  storageQuotaBytes: number;
  /** Local accounts must turn on TOTP: until they do, a session may only enrol (and no primary password works over Basic). */
  requireTwoFactorForLocalAccounts: boolean;
}

export const DEFAULT_POLICY: Policy = {
  appPasswordLifetimeDays: 365,
  maxActiveAppPasswords: 50,
  revokeAppPasswordsOnPasswordChange: true,
  allowPrimaryPasswordOverBasic: false,
  storageQuotaBytes: 0,
  requireTwoFactorForLocalAccounts: false,
};

export const POLICY_LIMITS = {
  appPasswordLifetimeDays: { min: 1, max: 3650 },
  maxActiveAppPasswords: { min: 1, max: 1000 },
  storageQuotaBytes: { min: 0, max: 2 ** 50 },
} as const;

type PolicyKey = keyof Policy;

function checkValue(key: PolicyKey, value: unknown): void {
  if (key in POLICY_LIMITS) {
    const { min, max } = POLICY_LIMITS[key as keyof typeof POLICY_LIMITS];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new SesameError('POLICY_INVALID', `${key} must be a whole number between ${min} and ${max}.`);
    }
  } else if (typeof value !== 'boolean') {
    throw new SesameError('POLICY_INVALID', `${key} must be true or false.`);
  }
}

export async function getPolicy(db: Db): Promise<Policy> {
  const values = await readPolicyValues(db);
  const policy: Record<string, unknown> = { ...DEFAULT_POLICY };
  for (const [key, value] of values) {
    if (key in DEFAULT_POLICY) policy[key] = value;
  }
  return policy as unknown as Policy;
}

/** Validates every changed value first, then writes them together. */
export async function updatePolicy(ctx: Context, changes: Partial<Policy>, actor: Actor): Promise<Policy> {
  const entries = Object.entries(changes) as [PolicyKey, unknown][];
  for (const [key, value] of entries) {
    if (!(key in DEFAULT_POLICY)) throw new SesameError('POLICY_INVALID', `Unknown policy setting "${key}".`);
    checkValue(key, value);
  }
  await ctx.db.transaction().execute(async (trx) => {
    for (const [key, value] of entries) await writePolicyValue(trx, key, value);
    await recordAudit(trx, ctx.clock.now(), actor, { action: 'policy.updated', target: 'policy', details: { ...changes } });
  });
  return getPolicy(ctx.db);
}
