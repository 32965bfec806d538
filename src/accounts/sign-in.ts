/**
 * Web sign-in with the primary password, plus the second factor (a TOTP
 * code or a recovery code) when the account has 2FA. Guarded like Basic auth (throttling, account limit);
 * every wrong answer is the same INVALID_CREDENTIALS, and the password is
 * checked with the same argon2 cost whether or not the account exists. The
 * session is opened only while the checked password is still the account's.
 */
import { SesameError } from '../errors.js';
import { guardedAttempt } from '../throttle/guarded-attempt.js';
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import { findUserByKey } from '../repositories/users.js';
import { checkAccountPassword } from './primary-password.js';
import { createSession } from './sessions.js';
import { recordWebSignIn } from './sign-in-record.js';
import { verifySecondFactor } from './second-factor.js';
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
  const { result } = await guardedAttempt<never>(
    ctx,
    { ...source, usernameKey: null, method: 'password', application: null },
    async () => null,
    () => refusal,
  );
  return result;
}

export async function signIn(ctx: Context, request: SignInRequest): Promise<SignInResult> {
  const key = usernameKey(request.username);
  const { result: checked } = await guardedAttempt(
    ctx,
    { ip: request.ip, client: request.client, usernameKey: key, method: 'password', application: null },
    async (guard) => {
      await guard.beforeGuessableCheck();
      const record = await checkAccountPassword(ctx, await findUserByKey(ctx.db, key), request.password, {
        refuseTwoFactorAccounts: false,
      });
      if (record === null) return null;
      if (record.sealedTotpSecret === null) return { record, method: 'password' as SignInMethod };
      if (request.totp === undefined || request.totp === '') {
        throw new SesameError('TOTP_REQUIRED', 'Enter the verification code from your authenticator app.');
      }
      const method = await verifySecondFactor(ctx, record, request.totp);
      return method === null ? null : { record, method: method as SignInMethod };
    },
    invalidCredentials,
  );
  const { record, method } = checked;
  const session = await createSession(ctx, {
    userId: record.id,
    verifiedPasswordHash: record.passwordHash,
    method,
    ip: request.ip,
    client: request.client,
  });
  if (session === null) throw invalidCredentials();
  await recordWebSignIn(ctx, record, { method, ip: request.ip, client: request.client });
  return { user: toUser(record), ...session };
}
