/**
 * The decision on an app password found by its keyed hash: does it belong
 * to the named user, is the account enabled, is the password neither revoked
 * nor expired, and is it used by the application it is assigned to? Pure:
 * the lookup and the binding write are the authenticator's.
 */

export interface StoredAppPassword {
  usernameKey: string;
  disabledAt: number | null;
  revokedAt: number | null;
  expiresAt: number;
  application: string | null;
}

export type AppPasswordRejection = 'wrong-user' | 'account-disabled' | 'revoked' | 'expired' | 'wrong-application';

export type AppPasswordDecision = { ok: true; bindTo: string | null } | { ok: false; reason: AppPasswordRejection };

/**
 * `application` is the application the endpoint serves, or null where any
 * application's password is accepted without binding it (GET /api/v1/me).
 */
export function checkAppPassword(
  row: StoredAppPassword,
  claim: { usernameKey: string; application: string | null },
  now: number,
): AppPasswordDecision {
  if (row.usernameKey !== claim.usernameKey) return { ok: false, reason: 'wrong-user' };
  if (row.disabledAt !== null) return { ok: false, reason: 'account-disabled' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (claim.application === null) return { ok: true, bindTo: null };
  if (row.application === null) return { ok: true, bindTo: claim.application };
  if (row.application !== claim.application) return { ok: false, reason: 'wrong-application' };
  return { ok: true, bindTo: null };
}
