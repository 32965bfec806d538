/**
 * One guarded credential check, shared by Basic auth, the web sign-in and
 * the password change: a read-only throttle gate first (429 without checking
 * anything), the account-level limit for unknown addresses, then the check.
 * A check of a guessable secret (argon2) first reserves its attempt in the
 * counters (see reserveAttempt) so that parallel requests cannot outrun
 * them; a lookup of an app password (155 bits, not guessable) is counted
 * after the fact and costs no write when it succeeds. A failure is counted
 * and shown in the named account's recent connections; a success clears
 * this address's counters.
 */
import { SesameError } from '../errors.js';
import { isKnownAddress, recordConnection } from '../connections/connections.js';
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import {
  ACCOUNT_FAILURE_LIMIT,
  ACCOUNT_LOCK_RETRY_AFTER_S,
  cancelReservation,
  clearAfterSuccess,
  readThrottle,
  recordFailure,
  reserveAttempt,
  settleSuccess,
  throttleKeys,
  type Reservation,
} from './throttle.js';

export interface AttemptSource {
  ip: string;
  client: string;
  /** Lower-cased username, or null when the request named nobody (malformed header). */
  usernameKey: string | null;
  method: SignInMethod;
  application: string;
}

/** Given to the check: call before verifying a guessable secret; throws THROTTLED when over the limits. */
export interface AttemptGuard {
  beforeGuessableCheck(): Promise<void>;
}

export function throttled(retryAfterS: number): SesameError {
  return new SesameError('THROTTLED', 'Too many failed attempts; try again later.', { retryAfter: retryAfterS });
}

/**
 * Runs `check`; null means the credentials were wrong, and `failure()` is
 * thrown after the failure has been recorded.
 */
export async function guardedAttempt<T>(
  ctx: Context,
  source: AttemptSource,
  check: (guard: AttemptGuard) => Promise<T | null>,
  failure: () => SesameError,
): Promise<T> {
  const now = ctx.clock.now();
  const keys = throttleKeys(source.ip, source.usernameKey);
  const state = await readThrottle(ctx.db, keys, now);
  const usernameKey = source.usernameKey;
  let known: Promise<boolean> | undefined;
  // Asked only when a limit is reached: has this account succeeded from this address before?
  const knownAddress = () =>
    (known ??= usernameKey === null ? Promise.resolve(false) : isKnownAddress(ctx.db, usernameKey, source.ip));

  if (state.ipUserRetryAfterS > 0) throw throttled(state.ipUserRetryAfterS);
  // An address's own block does not lock out users who have signed in from it before (a shared NAT or proxy).
  if (state.ipRetryAfterS > 0 && !(await knownAddress())) throw throttled(state.ipRetryAfterS);
  if (usernameKey === null) {
    await recordFailure(ctx.db, keys, now);
    throw failure();
  }
  if (state.accountFailures >= ACCOUNT_FAILURE_LIMIT && !(await knownAddress())) throw throttled(ACCOUNT_LOCK_RETRY_AFTER_S);

  let reservation: Reservation | null = null;
  const guard: AttemptGuard = {
    async beforeGuessableCheck() {
      const reserved = await reserveAttempt(ctx.db, keys, now, knownAddress);
      if ('retryAfterS' in reserved) throw throttled(reserved.retryAfterS);
      reservation = reserved.reservation;
    },
  };
  let result: T | null;
  try {
    result = await check(guard);
  } catch (error) {
    if (reservation) await cancelReservation(ctx.db, reservation);
    throw error;
  }
  if (result === null) {
    if (!reservation) await recordFailure(ctx.db, keys, now);
    const user = await ctx.db.selectFrom('users').select('id').where('username_key', '=', usernameKey).executeTakeFirst();
    await recordConnection(ctx.db, {
      usernameKey,
      userId: user?.id ?? null,
      credential: '',
      method: source.method,
      application: source.application,
      ip: source.ip,
      client: source.client,
      outcome: 'failure',
      firstSeen: now,
      lastSeen: now,
      count: 1,
    });
    throw failure();
  }
  if (reservation) await settleSuccess(ctx.db, reservation);
  else await clearAfterSuccess(ctx.db, keys, state);
  return result;
}
