/**
 * One guarded credential check, shared by Basic auth and the web sign-in:
 * throttling first (429 without checking anything), the account-level limit
 * for unknown addresses, then the check itself; a failure is counted and
 * shown in the named account's recent connections, a success clears this
 * address's counters.
 */
import { SesameError } from '../errors.js';
import { isKnownAddress, recordConnection } from '../connections/connections.js';
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import {
  ACCOUNT_FAILURE_LIMIT,
  ACCOUNT_LOCK_RETRY_AFTER_S,
  clearAfterSuccess,
  readThrottle,
  recordFailure,
  throttleKeys,
} from './throttle.js';

export interface AttemptSource {
  ip: string;
  client: string;
  /** Lower-cased username, or null when the request named nobody (malformed header). */
  usernameKey: string | null;
  method: SignInMethod;
  application: string;
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
  check: () => Promise<T | null>,
  failure: () => SesameError,
): Promise<T> {
  const now = ctx.clock.now();
  const keys = throttleKeys(source.ip, source.usernameKey);
  const state = await readThrottle(ctx.db, keys, now);
  if (state.retryAfterS > 0) throw throttled(state.retryAfterS);
  if (source.usernameKey === null) {
    await recordFailure(ctx.db, keys, now);
    throw failure();
  }
  if (state.accountFailures >= ACCOUNT_FAILURE_LIMIT && !(await isKnownAddress(ctx.db, source.usernameKey, source.ip))) {
    throw throttled(ACCOUNT_LOCK_RETRY_AFTER_S);
  }
  const result = await check();
  if (result === null) {
    await recordFailure(ctx.db, keys, now);
    const user = await ctx.db.selectFrom('users').select('id').where('username_key', '=', source.usernameKey).executeTakeFirst();
    await recordConnection(ctx.db, {
      usernameKey: source.usernameKey,
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
  await clearAfterSuccess(ctx.db, keys, state);
  return result;
}
