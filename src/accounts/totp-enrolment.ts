/**
 * Turning TOTP on and off for a local account, and renewing its recovery
 * codes. Enrolment is two steps: a new secret is kept sealed as pending
 * (shown to the user once, as text, `otpauth://` URI and QR code made
 * here), and becomes the account's only when a code from it is confirmed.
 * Every step that takes a code is throttled like a sign-in and counts
 * towards the per-account limit; recovery codes are returned once and
 * stored as keyed hashes. Never returns a secret or a code afterwards.
 */
import QRCode from 'qrcode';
import { SesameError } from '../errors.js';
import { recordAudit, type Actor, type AuditAction } from '../audit/audit-log.js';
import { guardedAttempt } from '../throttle/guarded-attempt.js';
import type { Context } from '../context.js';
import type { Db } from '../db/database.js';
import { deleteRecoveryCodesOfUser, replaceRecoveryCodeHashes } from '../repositories/recovery-codes.js';
import {
  findUserById,
  lockUser,
  setSealedPendingTotpSecret,
  setSealedTotpSecret,
  type UserRecord,
} from '../repositories/users.js';
import { compactRecoveryCode, generateRecoveryCodes } from './recovery-codes.js';
import { verifySecondFactor } from './second-factor.js';
import { generateTotpSecret, matchTotpStep, totpKeyUri } from './totp.js';

export interface TotpEnrolment {
  /** Base32, for typing into an authenticator app. */
  secret: string;
  otpauthUri: string;
  /** The URI as a QR code, an SVG document. */
  qrCodeSvg: string;
}

async function requireLocalUser(db: Db, userId: string): Promise<UserRecord> {
  const record = await findUserById(db, userId);
  if (!record) throw new SesameError('USER_NOT_FOUND', 'No such user.');
  if (record.authSource !== 'local') {
    throw new SesameError(
      'TOTP_NOT_LOCAL',
      'This account signs in through single sign-on; its provider handles the second factor.',
    );
  }
  return record;
}

/** A code check of a signed-in user, throttled and counted like a sign-in; TOTP_CODE_INVALID when wrong. */
async function checkCode<T>(ctx: Context, record: UserRecord, actor: Actor, check: () => Promise<T | null>): Promise<T> {
  const { result } = await guardedAttempt(
    ctx,
    { ip: actor.ip, client: actor.client, usernameKey: record.usernameKey, method: 'password+totp', application: null },
    async (guard) => {
      await guard.beforeGuessableCheck();
      return check();
    },
    () => new SesameError('TOTP_CODE_INVALID', 'The verification code is not right.'),
  );
  return result;
}

/**
 * Runs `change` under the user's row lock, provided the account is still as
 * `expected` left it (same active and pending secret): a concurrent change
 * wins, and this one is refused with `conflict`.
 */
async function changeLocked<T>(
  ctx: Context,
  expected: UserRecord,
  conflict: () => SesameError,
  change: (trx: Db) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await lockUser(trx, expected.id);
    if (
      !locked ||
      locked.sealedTotpSecret !== expected.sealedTotpSecret ||
      locked.sealedPendingTotpSecret !== expected.sealedPendingTotpSecret
    ) {
      throw conflict();
    }
    return change(trx);
  });
}

function hashesOf(ctx: Context, codes: string[]): string[] {
  return codes.map((code) => ctx.key.hashRecoveryCode(compactRecoveryCode(code)));
}

function audit(db: Db, ctx: Context, actor: Actor, record: UserRecord, action: AuditAction): Promise<void> {
  return recordAudit(db, ctx.clock.now(), actor, { action, targetUserId: record.id, target: record.username });
}

/** Starts (or restarts) enrolment with a new secret; the account's sign-in does not change until it is confirmed. */
export async function startTotpEnrolment(ctx: Context, userId: string): Promise<TotpEnrolment> {
  const record = await requireLocalUser(ctx.db, userId);
  if (record.sealedTotpSecret !== null) {
    throw new SesameError(
      'TOTP_ALREADY_ENABLED',
      'Two-factor authentication is already on; turn it off first to change the secret.',
    );
  }
  const secret = generateTotpSecret();
  await setSealedPendingTotpSecret(ctx.db, userId, ctx.key.sealTotpSecret(secret));
  const otpauthUri = totpKeyUri(secret, record.username);
  const qrCodeSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUri, qrCodeSvg };
}

/**
 * Turns TOTP on with the pending secret once `code` is right for it, and
 * returns the ten recovery codes (the only time they are shown). The
 * confirming code's time step counts as used, so it cannot sign in.
 */
export async function confirmTotpEnrolment(ctx: Context, userId: string, code: string, actor: Actor): Promise<string[]> {
  const record = await requireLocalUser(ctx.db, userId);
  if (record.sealedTotpSecret !== null) throw new SesameError('TOTP_ALREADY_ENABLED', 'Two-factor authentication is already on.');
  const pending = record.sealedPendingTotpSecret;
  if (pending === null) throw notPending();
  const step = await checkCode(ctx, record, actor, async () =>
    matchTotpStep(ctx.key.openTotpSecret(pending), code, ctx.clock.now()),
  );
  const codes = generateRecoveryCodes();
  await changeLocked(ctx, record, notPending, async (trx) => {
    await setSealedTotpSecret(trx, userId, pending, step);
    await replaceRecoveryCodeHashes(trx, userId, hashesOf(ctx, codes), ctx.clock.now());
    await audit(trx, ctx, actor, record, 'user.totp-enabled');
  });
  return codes;
}

function notPending(): SesameError {
  return new SesameError('TOTP_NOT_PENDING', 'No enrolment is under way: start it again to get a new secret.');
}

function changedMeanwhile(): SesameError {
  return new SesameError('TOTP_NOT_ENABLED', 'Two-factor authentication was changed meanwhile; reload and try again.');
}

/**
 * A change that needs a current code (TOTP or recovery code) of an account
 * with 2FA on, made under the row lock once the code is right.
 */
async function changeWithCurrentCode<T>(
  ctx: Context,
  userId: string,
  code: string,
  actor: Actor,
  change: (trx: Db, record: UserRecord) => Promise<T>,
): Promise<T> {
  const record = await requireLocalUser(ctx.db, userId);
  if (record.sealedTotpSecret === null) {
    throw new SesameError('TOTP_NOT_ENABLED', 'Two-factor authentication is not on for this account.');
  }
  await checkCode(ctx, record, actor, () => verifySecondFactor(ctx, record, code));
  return changeLocked(ctx, record, changedMeanwhile, (trx) => change(trx, record));
}

/** New recovery codes; every earlier recovery code stops working. */
export async function regenerateRecoveryCodes(ctx: Context, userId: string, code: string, actor: Actor): Promise<string[]> {
  const codes = generateRecoveryCodes();
  await changeWithCurrentCode(ctx, userId, code, actor, async (trx, record) => {
    await replaceRecoveryCodeHashes(trx, userId, hashesOf(ctx, codes), ctx.clock.now());
    await audit(trx, ctx, actor, record, 'user.recovery-codes-regenerated');
  });
  return codes;
}

/** Turns TOTP off; the secret and every recovery code are deleted. */
export async function disableTotp(ctx: Context, userId: string, code: string, actor: Actor): Promise<void> {
  await changeWithCurrentCode(ctx, userId, code, actor, async (trx, record) => {
    await setSealedTotpSecret(trx, userId, null);
    await deleteRecoveryCodesOfUser(trx, userId);
    await audit(trx, ctx, actor, record, 'user.totp-disabled');
  });
}
