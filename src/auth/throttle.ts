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
  return {
    ip: `ip:${ip}`,
    ipUser: usernameKey === null ? null : `ip-user:${ip}:${usernameKey}`,
    account: usernameKey === null ? null : `account:${usernameKey}`,
  };
}

export interface ThrottleState {
  /** Seconds to wait before this address may try again, or 0. */
  retryAfterS: number;
  accountFailures: number;
  ipUserFailures: number;
}

function keyList(keys: ThrottleKeys): string[] {
  return [keys.ip, keys.ipUser, keys.account].filter((k): k is string => k !== null);
}

export async function readThrottle(db: Db, keys: ThrottleKeys, now: number): Promise<ThrottleState> {
  const rows = await db.selectFrom('throttle').selectAll().where('key', 'in', keyList(keys)).execute();
  const byKey = new Map<string, ThrottleTable>(rows.map((r) => [r.key, r]));
  const blockedUntil = Math.max(
    byKey.get(keys.ip)?.blocked_until ?? 0,
    (keys.ipUser && byKey.get(keys.ipUser)?.blocked_until) || 0,
  );
  return {
    retryAfterS: blockedUntil > now ? Math.ceil((blockedUntil - now) / 1000) : 0,
    accountFailures: (keys.account && byKey.get(keys.account)?.failures) || 0,
    ipUserFailures: (keys.ipUser && byKey.get(keys.ipUser)?.failures) || 0,
  };
}

/** Counts one failure on a key atomically (safe across nodes) and sets its delay. */
async function countFailure(db: Db, key: string, now: number, rule: ThrottleRule | null): Promise<void> {
  const windowStart = rule === null ? Number.MIN_SAFE_INTEGER : now - rule.windowMs;
  const { failures } = await db
    .insertInto('throttle')
    .values({ key, failures: 1, blocked_until: 0, last_failure_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`CASE WHEN throttle.last_failure_at < ${windowStart} THEN 1 ELSE throttle.failures + 1 END`,
        last_failure_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  const delay = rule === null ? 0 : delayAfterFailures(Number(failures), rule);
  if (delay > 0)
    await db
      .updateTable('throttle')
      .set({ blocked_until: now + delay })
      .where('key', '=', key)
      .execute();
}

export async function recordFailure(db: Db, keys: ThrottleKeys, now: number): Promise<void> {
  await countFailure(db, keys.ip, now, PER_IP);
  if (keys.ipUser !== null) await countFailure(db, keys.ipUser, now, PER_IP_USER);
  if (keys.account !== null) await countFailure(db, keys.account, now, null);
}

/** After a success: this address's counter for the user, and the account's consecutive count, start again. */
export async function clearAfterSuccess(db: Db, keys: ThrottleKeys, state: ThrottleState): Promise<void> {
  if (state.ipUserFailures === 0 && state.accountFailures === 0) return;
  await db
    .deleteFrom('throttle')
    .where(
      'key',
      'in',
      [keys.ipUser, keys.account].filter((k): k is string => k !== null),
    )
    .execute();
}
