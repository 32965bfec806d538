/**
 * A server started while its database cannot be reached (PostgreSQL
 * restarting, not up yet, out of connections) waits for it rather than
 * exiting: it says so on standard error, one line per try, and tries again
 * after a pause that grows to a few seconds, until the database answers or
 * a stop signal arrives. Only DATABASE_UNAVAILABLE waits: a wrong password,
 * a missing database or a bad key stop the start at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { causeOf } from '../db/database-faults.js';
import { isSesameError } from '../errors.js';

const LONGEST_PAUSE_MS = 5_000;

export function retryPauseMs(attempt: number): number {
  return Math.min(1_000 * 2 ** (attempt - 1), LONGEST_PAUSE_MS);
}

/** `work`'s result once the database answers; null if `signal` stopped the wait first. */
export async function whenDatabaseAnswers<T>(
  work: () => Promise<T>,
  signal: AbortSignal,
  say: (line: string) => void,
): Promise<T | null> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isSesameError(error, 'DATABASE_UNAVAILABLE')) throw error;
      const pause = retryPauseMs(attempt);
      say(`waiting for the database (${causeOf(error)}); trying again in ${pause / 1000} s`);
      await sleep(pause, undefined, { signal }).catch(() => undefined);
    }
  }
  return null;
}
