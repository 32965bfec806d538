/**
 * The one authenticator of every Basic-auth endpoint (SPEC §2, §3).
 *
 * Order: parse the header, consult throttling, then look the secret up as an
 * app password by its keyed hash (one indexed lookup joining the user), then,
 * only where policy allows, try the primary password of a local account
 * without 2FA. Every failure — unknown user, wrong secret, expired, revoked,
 * wrong application, disabled account, malformed header — does the same
 * work and ends in the same UNAUTHENTICATED error; only throttling answers
 * differently (429), and it never checks the secret.
 */
import { SesameError } from '../errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { checkAppPassword } from '../app-passwords/verify.js';
import { checkAccountPassword } from '../accounts/primary-password.js';
import { usernameKey } from '../accounts/username.js';
import { getPolicy } from '../policy/policy.js';
import type { UsageRecorder } from '../connections/usage-recorder.js';
import type { Context } from '../context.js';
import type { Principal } from './principal.js';
import { parseBasicAuthorization, type BasicCredentials } from './basic-header.js';
import { guardedAttempt, type AttemptGuard } from './attempt.js';

export interface AuthContext extends Context {
  usage: UsageRecorder;
}

export interface BasicAttempt {
  authorization: string | undefined;
  ip: string;
  client: string;
  /** The application the endpoint serves; null accepts any application's password without binding it. */
  application: string | null;
}

export function unauthenticated(): SesameError {
  return new SesameError('UNAUTHENTICATED', 'Authentication required: use your username and an app password.');
}

export async function authenticateBasic(ctx: AuthContext, attempt: BasicAttempt): Promise<Principal> {
  const parsed = parseBasicAuthorization(attempt.authorization);
  if (parsed.kind === 'absent') throw unauthenticated();
  const usernameKeyOrNull = parsed.kind === 'basic' ? usernameKey(parsed.credentials.username) : null;
  return guardedAttempt(
    ctx,
    {
      ip: attempt.ip,
      client: attempt.client,
      usernameKey: usernameKeyOrNull,
      method: 'app-password',
      application: attempt.application ?? '',
    },
    (guard) =>
      parsed.kind === 'basic' && usernameKeyOrNull !== null
        ? verifyBasicCredentials(ctx, parsed.credentials, usernameKeyOrNull, attempt, guard)
        : Promise.resolve(null),
    unauthenticated,
  );
}

async function verifyBasicCredentials(
  ctx: AuthContext,
  credentials: BasicCredentials,
  key: string,
  attempt: BasicAttempt,
  guard: AttemptGuard,
): Promise<Principal | null> {
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('app_passwords')
    .innerJoin('users', 'users.id', 'app_passwords.user_id')
    .select([
      'app_passwords.id',
      'app_passwords.name',
      'app_passwords.application',
      'app_passwords.expires_at',
      'app_passwords.revoked_at',
      'app_passwords.last_used_at',
      'users.id as user_id',
      'users.username',
      'users.username_key',
      'users.role',
      'users.disabled_at',
    ])
    .where('app_passwords.secret_hash', '=', ctx.key.hashAppPassword(credentials.password))
    .executeTakeFirst();

  if (row) {
    const decision = checkAppPassword(row, { usernameKey: key, application: attempt.application }, now);
    if (decision.ok && (decision.bindTo === null || (await bindOnFirstUse(ctx, row, decision.bindTo, attempt, now)))) {
      await ctx.usage.record({
        appPasswordId: row.id,
        userId: row.user_id,
        usernameKey: key,
        application: attempt.application ?? '',
        ip: attempt.ip,
        client: attempt.client,
        lastWrittenAt: row.last_used_at,
      });
      return { userId: row.user_id, username: row.username, role: row.role, via: 'app-password', appPasswordId: row.id };
    }
  }
  return verifyPrimaryPassword(ctx, credentials, key, attempt, guard);
}

/** Binds an unassigned password to the first application that uses it; false if another won the race. */
async function bindOnFirstUse(
  ctx: AuthContext,
  row: { id: string; name: string; user_id: string },
  application: string,
  attempt: BasicAttempt,
  now: number,
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('app_passwords')
      .set({ application, assigned_at: now, assigned_by: 'first-use' })
      .where('id', '=', row.id)
      .where('application', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const current = await trx.selectFrom('app_passwords').select('application').where('id', '=', row.id).executeTakeFirst();
      return current?.application === application;
    }
    await recordAudit(
      trx,
      now,
      { userId: row.user_id, name: attempt.client || 'client', ip: attempt.ip },
      {
        action: 'app-password.assigned-on-first-use',
        targetUserId: row.user_id,
        target: row.name,
        details: { appPasswordId: row.id, application },
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
  if (!policy.allowPrimaryPasswordOverBasic) return null;
  await guard.beforeGuessableCheck();
  const row = await ctx.db.selectFrom('users').selectAll().where('username_key', '=', key).executeTakeFirst();
  const user = await checkAccountPassword(row, credentials.password, { refuseTwoFactorAccounts: true });
  if (user === null) return null;
  await ctx.usage.record({
    appPasswordId: null,
    userId: user.id,
    usernameKey: key,
    application: attempt.application ?? '',
    ip: attempt.ip,
    client: attempt.client,
    lastWrittenAt: null,
  });
  return { userId: user.id, username: user.username, role: user.role, via: 'primary-password' };
}
