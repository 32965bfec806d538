/**
 * One guarded credential check, shared by Basic auth, the web sign-in and
 * the password change: a read-only throttle gate first (429 without checking
 * anything), the account-level limit for unknown addresses, then the check.
 * A check of a guessable secret (argon2) first reserves its attempt in the
 * counters (see reserveAttempt) so that parallel requests cannot outrun
 * them; a lookup of an app password (155 bits, not guessable) is counted
 * after the fact and costs no write when it succeeds. A failure is counted
 * and shown in the named account's recent connections, with the reason the
 * check gave (its owner is told; the client never is); when the database
 * cannot take that write (storage full, unreachable), the failure is still
 * refused the same way — never a success, never a 500 — and the fault
 * travels as the refusal's cause, for the log.
 */
import { SesameError } from '../errors.js';
import { isDatabaseFault } from '../db/database-faults.js';
import type { Context } from '../context.js';
import type { FailureReason, SignInMethod } from '../db/schema.js';
import { hasSucceededFrom, upsertConnection } from '../repositories/connections.js';
import { findUserByKey } from '../repositories/users.js';
import {
  ACCOUNT_FAILURE_LIMIT,
  ACCOUNT_LOCK_RETRY_AFTER_S,
  cancelReservation,
  clearAfterOtherSuccess,
  readThrottle,
  recordFailure,
  reserveAttempt,
  settleSuccess,
  throttleKeys,
  type Reservation,
  type ThrottleKeys,
  type ThrottleState,
} from './throttle.js';

export interface AttemptSource {
  ip: string;
  client: string;
  /** The username's key, or null when the request named nobody (malformed header). */
  usernameKey: string | null;
  method: SignInMethod;
  /** The application the attempt was for; null for the web and the JSON API. */
  application: string | null;
}

/** Given to the check: call before verifying a guessable secret; throws THROTTLED when over the limits. */
export interface AttemptGuard {
  beforeGuessableCheck(): Promise<void>;
}

/**
 * Reads the throttle state of an attempt, and whatever else the check needs
 * (`found`): the hot path reads the credential in the same statement.
 */
export type ThrottleGate<R> = (keys: ThrottleKeys, now: number) => Promise<{ throttleState: ThrottleState; found: R }>;

/** A wrong credential, with what the account's owner is told of it (never the client): why, and which app password. */
export class Refusal {
  constructor(
    readonly reason: FailureReason,
    readonly appPasswordId: string | null = null,
  ) {}
}

/** What a successful attempt found: the check's result, the gate's reading, and the throttle state it met. */
export interface GuardedResult<T, R> {
  result: T;
  found: R;
  throttleState: ThrottleState;
}

export function throttled(retryAfterS: number): SesameError {
  return new SesameError('THROTTLED', 'Too many failed attempts; try again later.', { retryAfter: retryAfterS });
}

/** Records a refused attempt, then refuses it, whether or not the database could take the record. */
async function refuseAfterRecording(record: () => Promise<void>, failure: () => SesameError): Promise<never> {
  try {
    await record();
  } catch (error) {
    if (!isDatabaseFault(error)) throw error;
    const refused = failure();
    refused.cause = error;
    throw refused;
  }
  throw failure();
}

/**
 * Runs `check` with what the gate found (nothing, without a gate); null or a
 * Refusal means the credentials were wrong, and `failure(refusal)` is
 * thrown after the failure has been recorded.
 */
export async function guardedAttempt<T, R = undefined>(
  ctx: Context,
  source: AttemptSource,
  check: (guard: AttemptGuard, found: NoInfer<R>) => Promise<T | Refusal | null>,
  failure: (refusal: Refusal | null) => SesameError,
  gate?: ThrottleGate<R>,
): Promise<GuardedResult<T, R>> {
  const now = ctx.clock.now();
  const keys = throttleKeys(source.ip, source.usernameKey);
  // Without a gate there is nothing found but the throttle state: R is then `undefined`.
  const gated = gate ? await gate(keys, now) : { throttleState: await readThrottle(ctx.db, keys, now), found: undefined as R };
  const state = gated.throttleState;
  const usernameKey = source.usernameKey;
  let known: Promise<boolean> | undefined;
  // Asked only when a limit is reached: has this account succeeded from this address before?
  const knownAddress = () =>
    (known ??= usernameKey === null ? Promise.resolve(false) : hasSucceededFrom(ctx.db, usernameKey, source.ip));

  if (state.ipUserRetryAfterS > 0) throw throttled(state.ipUserRetryAfterS);
  // An address's own block does not lock out users who have signed in from it before (a shared NAT or proxy).
  if (state.ipRetryAfterS > 0 && !(await knownAddress())) throw throttled(state.ipRetryAfterS);
  if (usernameKey === null)
    return refuseAfterRecording(
      () => recordFailure(ctx.db, keys, now),
      () => failure(null),
    );
  if (state.accountFailures >= ACCOUNT_FAILURE_LIMIT && !(await knownAddress())) throw throttled(ACCOUNT_LOCK_RETRY_AFTER_S);

  // Held in an object: a `let` assigned inside the guard would be narrowed to null below and checked as `never`.
  const held: { reservation: Reservation | null } = { reservation: null };
  const guard: AttemptGuard = {
    async beforeGuessableCheck() {
      const reserved = await reserveAttempt(ctx.db, keys, now, knownAddress);
      if ('retryAfterS' in reserved) throw throttled(reserved.retryAfterS);
      held.reservation = reserved.reservation;
    },
  };
  let result: T | Refusal | null;
  try {
    result = await check(guard, gated.found);
  } catch (error) {
    if (held.reservation) await cancelReservation(ctx.db, held.reservation);
    throw error;
  }
  if (result === null || result instanceof Refusal) {
    const refusal = result instanceof Refusal ? result : null;
    const counted = held.reservation !== null;
    const refused = () => failure(refusal);
    return refuseAfterRecording(async () => {
      if (!counted) await recordFailure(ctx.db, keys, now);
      const user = await findUserByKey(ctx.db, usernameKey);
      await upsertConnection(ctx.db, {
        usernameKey,
        userId: user?.id ?? null,
        appPasswordId: refusal?.appPasswordId ?? null,
        reason: refusal?.reason ?? null,
        method: source.method,
        application: source.application,
        ip: source.ip,
        client: source.client,
        outcome: 'failure',
        firstSeen: now,
        lastSeen: now,
        count: 1,
      });
    }, refused);
  }
  // A reservation exists only when the primary password itself was checked and found right.
  if (held.reservation) await settleSuccess(ctx.db, held.reservation);
  else await clearAfterOtherSuccess(ctx.db, keys, state);
  return { result, found: gated.found, throttleState: state };
}
