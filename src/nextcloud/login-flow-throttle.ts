/**
 * The throttling of Login Flow v2 polls, per address (its throttling unit,
 * an IPv6 /64), in the style of the Basic-auth rules: a poll that brings no
 * flow under way (an unknown, used or expired token, or none) counts as a
 * failure; past the free allowance, growing delays answered 429 with
 * Retry-After, and a blocked address is refused before any lookup. A poll
 * of a flow under way never counts: a client may poll it every two seconds
 * for twenty minutes. Counters live in the shared `throttle` table (every
 * node sees them) under their own key, apart from the Basic-auth ones.
 */
import { SesameError } from '../errors.js';
import type { Db } from '../db/database.js';
import { extendBlock, incrementCounter, readCounters } from '../repositories/throttle.js';
import { throttleNetwork } from '../throttle/client-address.js';
import { delayAfterFailures, type ThrottleRule } from '../throttle/throttle.js';

export const LOGIN_FLOW_POLL: ThrottleRule = { free: 50, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };

export function pollThrottleKey(ip: string): string {
  return `login-flow-poll:${throttleNetwork(ip)}`;
}

/** 429 THROTTLED while the address's block runs; nothing is written. */
export async function refuseIfPollBlocked(db: Db, key: string, now: number): Promise<void> {
  const blockedUntil = (await readCounters(db, [key])).get(key)?.blockedUntil ?? 0;
  if (blockedUntil > now) {
    throw new SesameError('THROTTLED', 'Too many polls that match no login flow from this address; wait before polling again.', {
      retryAfter: Math.ceil((blockedUntil - now) / 1000),
    });
  }
}

export async function recordPollFailure(db: Db, key: string, now: number): Promise<void> {
  const { failures } = await incrementCounter(db, key, now, now - LOGIN_FLOW_POLL.windowMs);
  const delay = delayAfterFailures(failures, LOGIN_FLOW_POLL);
  if (delay > 0) await extendBlock(db, key, now + delay);
}
