/**
 * Brute-force throttling rules, over counters kept in the
 * database so every node sees the same state. Failures are counted per IP
 * and per (IP, username) with growing delays, and per account as
 * consecutive failed checks (NIST SP 800-63B): past the limit, only
 * addresses where the account has signed in before are let through.
 *
 * What clears what: a success clears this address's (IP, user) counter; the
 * account counter is cleared only by a successful check of the primary
 * password (the guessable secret it protects), never by the success of an
 * app password or any other credential.
 */
import type { Db } from '../db/database.js';
import {
  blockIfFree,
  decrementCounter,
  deleteCounters,
  deleteQuietAddressCounters,
  extendBlock,
  incrementCounter,
  readCounters,
  type ThrottleReading,
} from '../repositories/throttle.js';
import { throttleNetwork } from './client-address.js';

export interface ThrottleRule {
  /** Failures checked before any delay: the next attempt after the `free`-th failure waits. */
  free: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Quiet time after which the counter starts again. */
  windowMs: number;
}

export const PER_IP_USER: ThrottleRule = { free: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };
export const PER_IP: ThrottleRule = { free: 50, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };
export const ACCOUNT_FAILURE_LIMIT = 100;
/** What a client from an unknown address is told to wait while an account is under attack. */
export const ACCOUNT_LOCK_RETRY_AFTER_S = 15 * 60;

/** Delay imposed after the n-th failure: the free failures are 1…free-1 and the last free one; from the `free`-th on, doubling from the base. */
export function delayAfterFailures(failures: number, rule: ThrottleRule): number {
  if (failures < rule.free) return 0;
  return Math.min(rule.baseDelayMs * 2 ** Math.min(failures - rule.free, 30), rule.maxDelayMs);
}

export interface ThrottleKeys {
  ip: string;
  ipUser: string | null;
  account: string | null;
}

export function throttleKeys(ip: string, usernameKey: string | null): ThrottleKeys {
  const network = throttleNetwork(ip);
  return {
    ip: `ip:${network}`,
    ipUser: usernameKey === null ? null : `ip-user:${network}:${usernameKey}`,
    account: usernameKey === null ? null : `account:${usernameKey}`,
  };
}

export interface ThrottleState {
  /** Seconds this address must wait because of its own failures, whatever the user. */
  ipRetryAfterS: number;
  /** Seconds this address must wait before trying this user again. */
  ipUserRetryAfterS: number;
  accountFailures: number;
  ipUserFailures: number;
}

function secondsUntil(instant: number, now: number): number {
  return instant > now ? Math.ceil((instant - now) / 1000) : 0;
}

/** The state of an attempt from the counter values it depends on. */
export function throttleStateOf(reading: ThrottleReading, now: number): ThrottleState {
  return {
    ipRetryAfterS: secondsUntil(reading.ipBlockedUntil, now),
    ipUserRetryAfterS: secondsUntil(reading.ipUserBlockedUntil, now),
    accountFailures: reading.accountFailures,
    ipUserFailures: reading.ipUserFailures,
  };
}

/**
 * A state that lets any success through at once and leaves nothing to clear
 * after it: no block on the address or the (address, user) pair, no failure
 * of the pair, the account below its cap. Such a state changes only by a
 * throttle write; blocks running out only keep it so.
 */
export function isClean(state: ThrottleState): boolean {
  return (
    state.ipRetryAfterS === 0 &&
    state.ipUserRetryAfterS === 0 &&
    state.ipUserFailures === 0 &&
    state.accountFailures < ACCOUNT_FAILURE_LIMIT
  );
}

/** The read-only gate of an attempt: one query, no write. */
export async function readThrottle(db: Db, keys: ThrottleKeys, now: number): Promise<ThrottleState> {
  const counters = await readCounters(
    db,
    ruledKeys(keys).map(([key]) => key),
  );
  const ipUser = keys.ipUser === null ? undefined : counters.get(keys.ipUser);
  return throttleStateOf(
    {
      ipBlockedUntil: counters.get(keys.ip)?.blockedUntil ?? 0,
      ipUserFailures: ipUser?.failures ?? 0,
      ipUserBlockedUntil: ipUser?.blockedUntil ?? 0,
      accountFailures: (keys.account === null ? undefined : counters.get(keys.account))?.failures ?? 0,
    },
    now,
  );
}

function windowStart(rule: ThrottleRule | null, now: number): number {
  return rule === null ? Number.MIN_SAFE_INTEGER : now - rule.windowMs;
}

function ruledKeys(keys: ThrottleKeys): [string, ThrottleRule | null][] {
  const list: [string, ThrottleRule | null][] = [[keys.ip, PER_IP]];
  if (keys.ipUser !== null) list.push([keys.ipUser, PER_IP_USER]);
  if (keys.account !== null) list.push([keys.account, null]);
  return list;
}

/** Counts a failure that was checked without a reservation (a lookup of an unguessable app password). */
export async function recordFailure(db: Db, keys: ThrottleKeys, now: number): Promise<void> {
  for (const [key, rule] of ruledKeys(keys)) {
    const { failures } = await incrementCounter(db, key, now, windowStart(rule, now));
    const delay = rule === null ? 0 : delayAfterFailures(failures, rule);
    if (delay > 0) await extendBlock(db, key, now + delay);
  }
}

/**
 * After a success checked without a reservation (an app password): this
 * address's counter for the user restarts. The account counter does not:
 * it counts failed checks of the primary password, which this success did
 * not check.
 */
export async function clearAfterOtherSuccess(db: Db, keys: ThrottleKeys, state: ThrottleState): Promise<void> {
  if (state.ipUserFailures > 0 && keys.ipUser !== null) await deleteCounters(db, [keys.ipUser]);
}

interface ReservedKey {
  key: string;
  /** The block this reservation set, and the one it replaced, to restore on release. */
  grabbed: { until: number; before: number } | null;
}

export interface Reservation {
  keys: ThrottleKeys;
  reserved: ReservedKey[];
}

async function release(db: Db, entries: ReservedKey[]): Promise<void> {
  for (const { key, grabbed } of entries) await decrementCounter(db, key, grabbed);
}

/**
 * Before checking a guessable secret (a primary password), the attempt is
 * counted first, as if it failed, and the counters decide from the atomic
 * result: requests sent in parallel cannot all slip through a read made
 * before any of them was recorded. Past the free allowance, only the one
 * request that sets the key's next block gets through. The reservation is
 * settled afterwards: kept on failure, released on success.
 */
export async function reserveAttempt(
  db: Db,
  keys: ThrottleKeys,
  now: number,
  isKnownAddress: () => Promise<boolean>,
): Promise<{ reservation: Reservation } | { retryAfterS: number }> {
  const reserved: ReservedKey[] = [];
  const refuse = async (retryAfterS: number) => {
    await release(db, reserved);
    return { retryAfterS: Math.max(retryAfterS, 1) };
  };
  for (const [key, rule] of ruledKeys(keys)) {
    const { failures, blockedUntil } = await incrementCounter(db, key, now, windowStart(rule, now));
    const entry: ReservedKey = { key, grabbed: null };
    reserved.push(entry);
    if (rule === null) {
      if (failures > ACCOUNT_FAILURE_LIMIT && !(await isKnownAddress())) return refuse(ACCOUNT_LOCK_RETRY_AFTER_S);
      continue;
    }
    if (failures < rule.free) continue;
    const until = now + delayAfterFailures(failures, rule);
    if (await blockIfFree(db, key, until, now)) {
      entry.grabbed = { until, before: blockedUntil };
    } else if (!(key === keys.ip && (await isKnownAddress()))) {
      return refuse(secondsUntil(blockedUntil, now));
    }
  }
  return { reservation: { keys, reserved } };
}

/** A reserved check of the primary password succeeded: the (IP, user) and account counters restart, the IP counter gets its count back. */
export async function settleSuccess(db: Db, reservation: Reservation): Promise<void> {
  const { keys, reserved } = reservation;
  await release(
    db,
    reserved.filter((entry) => entry.key === keys.ip),
  );
  await deleteCounters(
    db,
    [keys.ipUser, keys.account].filter((k): k is string => k !== null),
  );
}

/** A reserved attempt ended without a verdict (e.g. a TOTP code is still needed): as if it never happened. */
export function cancelReservation(db: Db, reservation: Reservation): Promise<void> {
  return release(db, reservation.reserved);
}

/**
 * Deletes address counters that would restart anyway (quiet for longer than
 * their window, no block running), so the table does not grow with every
 * address ever seen. Account counters are kept: they count consecutive
 * failures until a success, however slow the attack.
 */
export function pruneThrottle(db: Db, now: number): Promise<number> {
  return deleteQuietAddressCounters(db, now - Math.max(PER_IP.windowMs, PER_IP_USER.windowMs), now);
}
