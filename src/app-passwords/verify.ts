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

/**
 * The applications an endpoint accepts: a password assigned to any of
 * `accepted`, or an unassigned one, which is bound to `binding` (one of
 * `accepted`) on its first use there; with `binding: null`, an unassigned
 * password is accepted and stays unassigned (an endpoint every accepted
 * application calls alike, which cannot tell which one is calling).
 */
export interface AcceptedApplications {
  accepted: readonly string[];
  binding: string | null;
}

/** An endpoint of one application (forward auth for a named application). */
export function onlyApplication(application: string): AcceptedApplications {
  return { accepted: [application], binding: application };
}

export type AppPasswordDecision = { ok: true; bindTo: string | null } | { ok: false; reason: AppPasswordRejection };

/**
 * `applications` is what the endpoint accepts, or null where any
 * application's password is accepted without binding it (GET /api/v1/me).
 */
export function checkAppPassword(
  row: StoredAppPassword,
  claim: { usernameKey: string; applications: AcceptedApplications | null },
  now: number,
): AppPasswordDecision {
  if (row.usernameKey !== claim.usernameKey) return { ok: false, reason: 'wrong-user' };
  if (row.disabledAt !== null) return { ok: false, reason: 'account-disabled' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (claim.applications === null) return { ok: true, bindTo: null };
  if (row.application === null) return { ok: true, bindTo: claim.applications.binding };
  if (!claim.applications.accepted.includes(row.application)) return { ok: false, reason: 'wrong-application' };
  return { ok: true, bindTo: null };
}
