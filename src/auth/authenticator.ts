/**
 * The one authenticator of every Basic-auth endpoint (SPEC §2, §3).
 *
 * Order: parse the header, then one prepared statement reads the throttle
 * counters and the app password found by its keyed hash, joined with its
 * owner; throttling decides first (429 without checking), then the app
 * password, then, only where policy allows, the primary password of a local
 * account without 2FA (never while the policy requires 2FA of local accounts). Every failure — unknown user, wrong secret, expired,
 * revoked, wrong application, disabled account, malformed header — does the
 * same work and ends in the same UNAUTHENTICATED error.
 */
import { SesameError } from '../errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { checkAppPassword, type AcceptedApplications } from '../app-passwords/verify.js';
import { checkAccountPassword } from '../accounts/primary-password.js';
import { usernameKey } from '../accounts/username.js';
import { getPolicy } from '../policy/policy.js';
import { bindIfUnassigned, readForBasicAuth, type BasicAuthCandidate } from '../repositories/app-passwords.js';
import { findUserByKey } from '../repositories/users.js';
import { guardedAttempt, type AttemptGuard } from '../throttle/guarded-attempt.js';
import { throttleStateOf } from '../throttle/throttle.js';
import type { UsageRecorder } from '../connections/usage-recorder.js';
import type { Context } from '../context.js';
import type { Principal } from './principal.js';
import { parseBasicAuthorization, type BasicCredentials } from './basic-header.js';

export interface AuthContext extends Context {
  usage: UsageRecorder;
}

export interface BasicAttempt {
  authorization: string | undefined;
  ip: string;
  client: string;
  /** The applications the endpoint accepts; null accepts any application's password without binding it. */
  applications: AcceptedApplications | null;
}

export function unauthenticated(): SesameError {
  return new SesameError('UNAUTHENTICATED', 'Authentication required: use your username and an app password.');
}

export async function authenticateBasic(ctx: AuthContext, attempt: BasicAttempt): Promise<Principal> {
  const parsed = parseBasicAuthorization(attempt.authorization);
  if (parsed.kind === 'absent') throw unauthenticated();
  const credentials = parsed.kind === 'basic' ? parsed.credentials : null;
  const key = credentials === null ? null : usernameKey(credentials.username);
  let candidate: BasicAuthCandidate | null = null;
  return guardedAttempt(
    ctx,
    {
      ip: attempt.ip,
      client: attempt.client,
      usernameKey: key,
      method: 'app-password',
      application: attempt.applications?.binding ?? null,
    },
    (guard) =>
      credentials !== null && key !== null
        ? verifyBasicCredentials(ctx, credentials, key, candidate, attempt, guard)
        : Promise.resolve(null),
    unauthenticated,
    async (keys, now) => {
      const read = await readForBasicAuth(ctx.db, ctx.key.hashAppPassword(credentials?.password ?? ''), keys);
      candidate = read.candidate;
      return throttleStateOf(read.throttle, now);
    },
  );
}

async function verifyBasicCredentials(
  ctx: AuthContext,
  credentials: BasicCredentials,
  key: string,
  candidate: BasicAuthCandidate | null,
  attempt: BasicAttempt,
  guard: AttemptGuard,
): Promise<Principal | null> {
  const now = ctx.clock.now();
  if (candidate) {
    const decision = checkAppPassword(candidate, { usernameKey: key, applications: attempt.applications }, now);
    if (decision.ok && (decision.bindTo === null || (await bindOnFirstUse(ctx, candidate, decision.bindTo, attempt, now)))) {
      await ctx.usage.record({
        appPasswordId: candidate.id,
        userId: candidate.userId,
        usernameKey: key,
        application: attempt.applications === null ? null : (decision.bindTo ?? candidate.application),
        ip: attempt.ip,
        client: attempt.client,
        lastWrittenAt: candidate.lastUsedAt,
      });
      return {
        via: 'app-password',
        userId: candidate.userId,
        username: candidate.username,
        role: candidate.role,
        appPasswordId: candidate.id,
      };
    }
  }
  return verifyPrimaryPassword(ctx, credentials, key, attempt, guard);
}

/** Binds an unassigned password to the first application that uses it; false if it was revoked, or another won the race with an application not accepted here. */
async function bindOnFirstUse(
  ctx: AuthContext,
  candidate: BasicAuthCandidate,
  application: string,
  attempt: BasicAttempt,
  now: number,
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await bindIfUnassigned(trx, candidate.id, application, now);
    if (!result.bound)
      return result.application !== null && (attempt.applications?.accepted.includes(result.application) ?? false);
    await recordAudit(
      trx,
      now,
      { userId: candidate.userId, name: candidate.username, ip: attempt.ip, client: attempt.client },
      {
        action: 'app-password.assigned-on-first-use',
        targetUserId: candidate.userId,
        target: candidate.name,
        details: { appPasswordId: candidate.id, application },
      },
    );
    return true;
  });
}

/**
 * The primary password over Basic auth: only by policy, only for an enabled
 * local account without 2FA. When the policy allows it, argon2 runs on every
 * failed attempt (against a dummy hash when there is no eligible account),
 * so its cost reveals nothing about the account.
 */
async function verifyPrimaryPassword(
  ctx: AuthContext,
  credentials: BasicCredentials,
  key: string,
  attempt: BasicAttempt,
  guard: AttemptGuard,
): Promise<Principal | null> {
  const policy = await getPolicy(ctx.db);
  if (!policy.allowPrimaryPasswordOverBasic || policy.requireTwoFactorForLocalAccounts) return null;
  await guard.beforeGuessableCheck();
  const user = await checkAccountPassword(await findUserByKey(ctx.db, key), credentials.password, {
    refuseTwoFactorAccounts: true,
  });
  if (user === null) return null;
  await ctx.usage.record({
    appPasswordId: null,
    userId: user.id,
    usernameKey: key,
    application: attempt.applications?.binding ?? null,
    ip: attempt.ip,
    client: attempt.client,
    lastWrittenAt: null,
  });
  return { via: 'primary-password', userId: user.id, username: user.username, role: user.role };
}
