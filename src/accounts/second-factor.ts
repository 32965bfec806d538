/**
 * The second factor of a TOTP account, as one check: a 6-digit TOTP code
 * (each time step accepted once) or one of the account's recovery codes
 * (each accepted once). Used by sign-in and by every change that asks for
 * a current code. Never throttles by itself: callers run it inside a
 * guarded attempt.
 */
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import { useRecoveryCodeHash } from '../repositories/recovery-codes.js';
import { consumeTotpStep, type UserRecord } from '../repositories/users.js';
import { normaliseRecoveryCode } from './recovery-codes.js';
import { matchTotpStep } from './totp.js';

export type SecondFactorMethod = Extract<SignInMethod, 'password+totp' | 'recovery-code'>;

/** How the code proved the second factor, or null when it is wrong, replayed or already used. */
export async function verifySecondFactor(ctx: Context, record: UserRecord, code: string): Promise<SecondFactorMethod | null> {
  if (record.sealedTotpSecret === null) return null;
  const now = ctx.clock.now();
  if (/^\d{6}$/.test(code)) {
    const step = matchTotpStep(ctx.key.openTotpSecret(record.sealedTotpSecret), code, now);
    return step !== null && (await consumeTotpStep(ctx.db, record.id, step)) ? 'password+totp' : null;
  }
  const recoveryCode = normaliseRecoveryCode(code);
  if (recoveryCode === null) return null;
  return (await useRecoveryCodeHash(ctx.db, record.id, ctx.key.hashRecoveryCode(recoveryCode), now)) ? 'recovery-code' : null;
}
