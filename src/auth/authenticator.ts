/**
 * The one authenticator of every Basic-auth endpoint.
 *
 * Order: parse the header and key the secret (HMAC). A credential this
 * process verified before is reused when one tiny read shows that nothing
 * which could change its outcome has been written since (the auth-state
 * version, bumped by database triggers) and it has not expired. Otherwise
 * one prepared statement reads the throttle counters and the app password
 * found by its keyed hash, joined with its owner; throttling decides first
 * (429 without checking), then the app password, then, only where policy
 * allows, the primary password of a local account without 2FA (never while
 * the policy requires 2FA of local accounts). Every failure — unknown user,
 * wrong secret, expired, revoked, wrong application, disabled account,
 * malformed header — does the same work and ends in the same
 * UNAUTHENTICATED error; only the account's recent connections say why;
 * failures are never remembered.
 */
import { SesameError } from '../errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { checkAppPassword, type AcceptedApplications } from '../app-passwords/verify.js';
import { checkAccountPassword } from '../accounts/primary-password.js';
import { usernameKey } from '../accounts/username.js';
import { getPolicy } from '../policy/policy.js';
import {
  bindIfUnassigned,
  readForBasicAuth,
  type BasicAuthCandidate,
  type BasicAuthRead,
} from '../repositories/app-passwords.js';
import { readAuthStateVersion } from '../repositories/auth-state.js';
import { findUserByKey } from '../repositories/users.js';
import { guardedAttempt, Refusal, type AttemptGuard } from '../throttle/guarded-attempt.js';
import { isClean, throttleStateOf, type ThrottleState } from '../throttle/throttle.js';
import type { UsageRecorder } from '../connections/usage-recorder.js';
import type { Context } from '../context.js';
import type { Principal } from './principal.js';
import { parseBasicAuthorization, type BasicCredentials } from './basic-header.js';
import type { VerifiedCredentials } from './verified-credentials.js';
import { BasicRefusal, UNAUTHENTICATED_MESSAGE } from './basic-outcome.js';

export interface AuthContext extends Context {
  usage: UsageRecorder;
  verified: VerifiedCredentials;
}

export interface BasicAttempt {
  authorization: string | undefined;
  ip: string;
  client: string;
  /** The applications the endpoint accepts; null accepts any application's password without binding it. */
  applications: AcceptedApplications | null;
}

export function unauthenticated(): SesameError {
  return new SesameError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
}

/** What a verified credential is remembered by: its keyed hash, the address and what the endpoint accepts. */
function verifiedKey(secretHash: string, attempt: BasicAttempt): string {
  const applications = attempt.applications;
  const accepted = applications === null ? '*' : `${applications.accepted.join(',')}>${applications.binding}`;
  return `${secretHash} ${attempt.ip} ${accepted}`;
}

export async function authenticateBasic(ctx: AuthContext, attempt: BasicAttempt): Promise<Principal> {
  const parsed = parseBasicAuthorization(attempt.authorization);
  if (parsed.kind === 'absent') throw new BasicRefusal('no-credentials');
  const credentials = parsed.kind === 'basic' ? parsed.credentials : null;
  const secretHash = ctx.key.hashAppPassword(credentials?.password ?? '');
  const cacheKey = credentials === null ? null : verifiedKey(secretHash, attempt);
  if (credentials !== null && cacheKey !== null) {
    const reused = await reuseVerified(ctx, cacheKey, credentials, attempt);
    if (reused !== null) return reused;
  }
  const key = credentials === null ? null : usernameKey(credentials.username);
  const {
    result: principal,
    found: read,
    throttleState,
  } = await guardedAttempt<Principal, BasicAuthRead>(
    ctx,
    {
      ip: attempt.ip,
      client: attempt.client,
      usernameKey: key,
      method: 'app-password',
      application: attempt.applications?.binding ?? null,
    },
    (guard, found) =>
      credentials !== null && key !== null
        ? verifyBasicCredentials(ctx, credentials, key, found.candidate, attempt, guard)
        : Promise.resolve(null),
    (refusal) => new BasicRefusal(refusal?.reason ?? 'malformed'),
    async (keys, now) => {
      const found = await readForBasicAuth(ctx.db, secretHash, keys);
      return { throttleState: throttleStateOf(found.throttle, now), found };
    },
  );
  if (cacheKey !== null && credentials !== null && key !== null) {
    rememberVerified(ctx, cacheKey, read, throttleState, principal, credentials.username, key, attempt);
  }
  return principal;
}

/**
 * A credential verified before, reused without the lookup: only while no
 * write that could change its outcome has committed since (the auth-state
 * version is the one it was verified at) and it has not expired. Anything
 * else, a username spelled to another key included, takes the full path.
 */
async function reuseVerified(
  ctx: AuthContext,
  cacheKey: string,
  credentials: BasicCredentials,
  attempt: BasicAttempt,
): Promise<Principal | null> {
  const entry = ctx.verified.find(cacheKey);
  if (entry === undefined) return null;
  const version = await readAuthStateVersion(ctx.db);
  if (entry.version !== version || entry.expiresAt <= ctx.clock.now()) {
    ctx.verified.forget(cacheKey);
    return null;
  }
  if (credentials.username !== entry.username && usernameKey(credentials.username) !== entry.usernameKey) return null;
  ctx.verified.countReuse();
  await ctx.usage.record({
    appPasswordId: entry.principal.appPasswordId,
    userId: entry.principal.userId,
    usernameKey: entry.usernameKey,
    application: entry.application,
    ip: attempt.ip,
    client: attempt.client,
    lastWrittenAt: entry.lastUsedAt,
  });
  return entry.principal;
}

/** Remembers an app-password success that bound nothing and met a clean throttle state, at the version it was read at. */
function rememberVerified(
  ctx: AuthContext,
  cacheKey: string,
  read: BasicAuthRead,
  throttleState: ThrottleState,
  principal: Principal,
  username: string,
  key: string,
  attempt: BasicAttempt,
): void {
  const candidate = read.candidate;
  if (principal.via !== 'app-password' || candidate === null) return;
  if (attempt.applications !== null && candidate.application === null) return;
  if (!isClean(throttleState)) return;
  ctx.verified.remember(cacheKey, {
    version: read.version,
    expiresAt: candidate.expiresAt,
    username,
    usernameKey: key,
    principal,
    application: attempt.applications === null ? null : candidate.application,
    lastUsedAt: candidate.lastUsedAt,
  });
}

/**
 * The app password the secret is, else (by policy) the account's own
 * password. A refusal names the app password of this account the secret
 * was, and why; a secret that is another account's password is named to
 * no one.
 */
async function verifyBasicCredentials(
  ctx: AuthContext,
  credentials: BasicCredentials,
  key: string,
  candidate: BasicAuthCandidate | null,
  attempt: BasicAttempt,
  guard: AttemptGuard,
): Promise<Principal | Refusal | null> {
  const now = ctx.clock.now();
  let refusal: Refusal | null = null;
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
    // A binding lost to another application is a use by the wrong application.
    const reason = decision.ok ? 'wrong-application' : decision.reason;
    if (reason !== 'wrong-user') refusal = new Refusal(reason, candidate.id);
  }
  const primary = await verifyPrimaryPassword(ctx, credentials, key, attempt, guard);
  return primary instanceof Refusal || primary === null ? (refusal ?? primary) : primary;
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
 * so its cost reveals nothing about the account. A right password of an
 * account with 2FA is refused, and its owner told why; when the policy
 * refuses the primary password, nothing is checked (no argon2 for a refusal).
 */
async function verifyPrimaryPassword(
  ctx: AuthContext,
  credentials: BasicCredentials,
  key: string,
  attempt: BasicAttempt,
  guard: AttemptGuard,
): Promise<Principal | Refusal | null> {
  const policy = await getPolicy(ctx.db);
  if (!policy.allowPrimaryPasswordOverBasic || policy.requireTwoFactorForLocalAccounts) {
    return new Refusal('not-an-app-password');
  }
  await guard.beforeGuessableCheck();
  const user = await checkAccountPassword(ctx, await findUserByKey(ctx.db, key), credentials.password, {
    refuseTwoFactorAccounts: false,
  });
  if (user === null) return new Refusal('wrong-password');
  if (user.sealedTotpSecret !== null) return new Refusal('primary-password-refused');
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
