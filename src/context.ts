/**
 * What domain functions need from the outside world, passed explicitly:
 * the database, the server key and the clock. No module keeps state of its
 * own, so two contexts in one process behave as two server nodes.
 */
import type { Db } from './db/database.js';
import type { ServerKey } from './security/server-key.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Context {
  db: Db;
  key: ServerKey;
  clock: Clock;
}
