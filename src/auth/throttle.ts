/**
 * Brute-force throttling, kept in the database so every node sees the same
 * state (SPEC §3). Failures are counted per IP and per (IP, username) with
 * growing delays; a success from an address clears only that address's
 * (IP, username) counter, so one address never locks the owner out of
 * another. Per account, consecutive failures are counted too (NIST SP
 * 800-63B): past the limit, only addresses where the account has signed in
 * before are let through to check a secret.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ThrottleTable } from '../db/schema.js';
import { throttleNetwork } from '../http/client-address.js';

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

/** The read-only gate of every attempt: one query, no write. */
export async function readThrottle(db: Db, keys: ThrottleKeys, now: number): Promise<ThrottleState> {
  const rows = await db
    .selectFrom('throttle')
    .selectAll()
    .where(
      'key',
      'in',
      ruledKeys(keys).map(([key]) => key),
    )
    .execute();
  const byKey = new Map<string, ThrottleTable>(rows.map((r) => [r.key, r]));
  const ipUser = keys.ipUser === null ? undefined : byKey.get(keys.ipUser);
  return {
    ipRetryAfterS: secondsUntil(byKey.get(keys.ip)?.blocked_until ?? 0, now),
    ipUserRetryAfterS: secondsUntil(ipUser?.blocked_until ?? 0, now),
    accountFailures: (keys.account === null ? undefined : byKey.get(keys.account))?.failures ?? 0,
    ipUserFailures: ipUser?.failures ?? 0,
  };
}

/** Adds one to a key's counter atomically (safe across nodes), restarting it after a quiet window. */
async function increment(
  db: Db,
  key: string,
  now: number,
  rule: ThrottleRule | null,
): Promise<{ failures: number; blockedUntil: number }> {
  const windowStart = rule === null ? Number.MIN_SAFE_INTEGER : now - rule.windowMs;
  const row = await db
    .insertInto('throttle')
    .values({ key, failures: 1, blocked_until: 0, last_failure_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`CASE WHEN throttle.last_failure_at < ${windowStart} THEN 1 ELSE throttle.failures + 1 END`,
        last_failure_at: now,
      }),
    )
    .returning(['failures', 'blocked_until'])
    .executeTakeFirstOrThrow();
  return { failures: Number(row.failures), blockedUntil: Number(row.blocked_until) };
}

/** Extends a key's block to `until`, never shortening a longer one set concurrently. */
async function extendBlock(db: Db, key: string, until: number): Promise<void> {
  await db
    .updateTable('throttle')
    .set({ blocked_until: sql<number>`CASE WHEN blocked_until > ${until} THEN blocked_until ELSE ${until} END` })
    .where('key', '=', key)
    .execute();
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
    const { failures } = await increment(db, key, now, rule);
    const delay = rule === null ? 0 : delayAfterFailures(failures, rule);
    if (delay > 0) await extendBlock(db, key, now + delay);
  }
}

/** The (IP, user) counter and the account's consecutive count start again; the IP counter is left alone. */
async function restartUserCounters(db: Db, keys: ThrottleKeys): Promise<void> {
  const userKeys = [keys.ipUser, keys.account].filter((k): k is string => k !== null);
  if (userKeys.length > 0) await db.deleteFrom('throttle').where('key', 'in', userKeys).execute();
}

/** After a success checked without a reservation: this address's counter for the user and the account's count restart. */
export async function clearAfterSuccess(db: Db, keys: ThrottleKeys, state: ThrottleState): Promise<void> {
  if (state.ipUserFailures === 0 && state.accountFailures === 0) return;
  await restartUserCounters(db, keys);
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
  for (const { key, grabbed } of entries) {
    await db
      .updateTable('throttle')
      .set({
        failures: sql<number>`CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END`,
        ...(grabbed
          ? {
              blocked_until: sql<number>`CASE WHEN blocked_until = ${grabbed.until} THEN ${grabbed.before} ELSE blocked_until END`,
            }
          : {}),
      })
      .where('key', '=', key)
      .execute();
  }
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
    const { failures, blockedUntil } = await increment(db, key, now, rule);
    const entry: ReservedKey = { key, grabbed: null };
    reserved.push(entry);
    if (rule === null) {
      if (failures > ACCOUNT_FAILURE_LIMIT && !(await isKnownAddress())) return refuse(ACCOUNT_LOCK_RETRY_AFTER_S);
      continue;
    }
    if (failures < rule.free) continue;
    const until = now + delayAfterFailures(failures, rule);
    const result = await db
      .updateTable('throttle')
      .set({ blocked_until: until })
      .where('key', '=', key)
      .where('blocked_until', '<=', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      entry.grabbed = { until, before: blockedUntil };
    } else if (!(key === keys.ip && (await isKnownAddress()))) {
      return refuse(secondsUntil(blockedUntil, now));
    }
  }
  return { reservation: { keys, reserved } };
}

/** A reserved attempt succeeded: the (IP, user) and account counters restart, the IP counter gets its count back. */
export async function settleSuccess(db: Db, reservation: Reservation): Promise<void> {
  const { keys, reserved } = reservation;
  await release(
    db,
    reserved.filter((entry) => entry.key === keys.ip),
  );
  await restartUserCounters(db, keys);
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
export async function pruneThrottle(db: Db, now: number): Promise<number> {
  const result = await db
    .deleteFrom('throttle')
    .where('key', 'not like', 'account:%')
    .where('last_failure_at', '<', now - Math.max(PER_IP.windowMs, PER_IP_USER.windowMs))
    .where('blocked_until', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
