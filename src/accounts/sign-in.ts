/**
 * Web sign-in with the primary password, plus the TOTP code when the
 * account has 2FA. Guarded like Basic auth (throttling, account limit);
 * every wrong answer is the same INVALID_CREDENTIALS, and the password is
 * checked with the same argon2 cost whether or not the account exists.
 */
import { SesameError } from '../errors.js';
import { guardedAttempt } from '../auth/attempt.js';
import { recordAudit } from '../audit/audit-log.js';
import { recordConnection } from '../connections/connections.js';
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import { checkAccountPassword } from './primary-password.js';
import { createSession } from './sessions.js';
import { matchTotpStep } from './totp.js';
import { toUser, type User } from './users.js';
import { usernameKey } from './username.js';

export interface SignInRequest {
  username: string;
  password: string;
  totp?: string;
  ip: string;
  client: string;
}

export interface SignInResult {
  user: User;
  token: string;
  sessionId: string;
  expiresAt: number;
}

function invalidCredentials(): SesameError {
  return new SesameError('INVALID_CREDENTIALS', 'Wrong username, password or verification code.');
}

/** Records a matched TOTP step, atomically across nodes; false when it (or a later one) was already used. */
async function consumeTotpStep(ctx: Context, userId: string, step: number): Promise<boolean> {
  const result = await ctx.db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A sign-in whose body the schema refused (a name with NUL, a password that
 * is not a string…) is answered with `refusal` but still counts as a failure
 * of its address, so that malformed requests are not an unthrottled path.
 */
export async function refuseMalformedSignIn(
  ctx: Context,
  source: { ip: string; client: string },
  refusal: SesameError,
): Promise<never> {
  return guardedAttempt<never>(
    ctx,
    { ...source, usernameKey: null, method: 'password', application: '' },
    async () => null,
    () => refusal,
  );
}

export async function signIn(ctx: Context, request: SignInRequest): Promise<SignInResult> {
  const key = usernameKey(request.username);
  const checked = await guardedAttempt(
    ctx,
    { ip: request.ip, client: request.client, usernameKey: key, method: 'password', application: '' },
    async (guard) => {
      await guard.beforeGuessableCheck();
      const found = await ctx.db.selectFrom('users').selectAll().where('username_key', '=', key).executeTakeFirst();
      const row = await checkAccountPassword(found, request.password, { refuseTwoFactorAccounts: false });
      if (row === null) return null;
      if (row.totp_secret === null) return { row, method: 'password' as SignInMethod };
      if (request.totp === undefined || request.totp === '') {
        throw new SesameError('TOTP_REQUIRED', 'Enter the verification code from your authenticator app.');
      }
      const step = matchTotpStep(ctx.key.openTotpSecret(row.totp_secret), request.totp, ctx.clock.now());
      return step !== null && (await consumeTotpStep(ctx, row.id, step))
        ? { row, method: 'password+totp' as SignInMethod }
        : null;
    },
    invalidCredentials,
  );
  const session = await createSession(ctx, {
    userId: checked.row.id,
    method: checked.method,
    ip: request.ip,
    client: request.client,
  });
  const now = ctx.clock.now();
  await recordConnection(ctx.db, {
    usernameKey: key,
    userId: checked.row.id,
    credential: '',
    method: checked.method,
    application: '',
    ip: request.ip,
    client: request.client,
    outcome: 'success',
    firstSeen: now,
    lastSeen: now,
    count: 1,
  });
  await recordAudit(
    ctx.db,
    now,
    { userId: checked.row.id, name: checked.row.username, ip: request.ip },
    {
      action: 'session.created',
      targetUserId: checked.row.id,
      target: checked.row.username,
      details: { method: checked.method },
    },
  );
  return { user: toUser(checked.row), ...session };
}
