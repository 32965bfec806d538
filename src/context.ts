/**
 * What domain functions need from the outside world, passed explicitly:
 * the database, the server key and the clock. No module keeps state of its
 * own, so two contexts in one process behave as two server nodes.
 */
import type { Db } from './db/database.js';
import type { ServerKey } from './security/server-key.js';
import type { Argon2Cost } from './accounts/primary-password.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Context {
  db: Db;
  key: ServerKey;
  clock: Clock;
  /**
   * The argon2id cost of new primary-password hashes and of the dummy hash
   * an ineligible account is checked against; production's when absent.
   * Only a test sets it (through ServerOptions), never configuration.
   */
  argon2Cost?: Argon2Cost;
}
