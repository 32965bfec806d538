/**
 * The metrics read from the server's state when scraped, not counted on
 * requests: the memory of verified credentials (hits and misses), app
 * passwords by application and state, live sessions, PostgreSQL's pools,
 * and the SSO re-check rounds. The database counts are the same on every
 * process and node: with WORKERS the primary keeps one worker's value
 * (prom-client's `first`), and across nodes a query takes `max`. A database
 * that cannot answer leaves those gauges empty for that scrape; it never
 * fails the scrape.
 */
import type { Clock } from '../context.js';
import { connectionPoolsOf, type Db } from '../db/database.js';
import type { VerifiedCredentials } from '../auth/verified-credentials.js';
import { countByApplicationAndState } from '../repositories/app-passwords.js';
import { countLiveSessions } from '../repositories/sessions.js';
import type { RecheckReport } from '../oidc/recheck.js';
import type { Metrics } from './metrics.js';

export interface ServerState {
  db: Db;
  clock: Clock;
  verified: VerifiedCredentials;
}

/** Counts of SSO re-check rounds, recorded as each round reports. */
export interface RecheckCounter {
  recheckRound(report: RecheckReport): void;
}

export function registerServerMetrics(metrics: Metrics, state: ServerState): RecheckCounter {
  const { db, clock, verified } = state;
  const reused = { hits: 0, misses: 0 };
  metrics.counter({
    name: 'sesame_verified_credentials_total',
    help: 'Basic-auth requests whose credential was reused from the memory of verified credentials (hit) or looked up (miss).',
    labelNames: ['result'],
    collect() {
      const now = verified.reuseCounts;
      this.inc({ result: 'hit' }, now.hits - reused.hits);
      this.inc({ result: 'miss' }, now.misses - reused.misses);
      Object.assign(reused, now);
    },
  });
  metrics.gauge({
    name: 'sesame_app_passwords',
    help: 'App passwords by application ("none": not yet assigned) and state (active, expired, revoked or deleted).',
    labelNames: ['application', 'state'],
    aggregator: 'first',
    async collect() {
      this.reset();
      try {
        for (const row of await countByApplicationAndState(db, clock.now())) {
          this.set({ application: row.application === '' ? 'none' : row.application, state: row.state }, row.count);
        }
      } catch {
        // The database is away: no value this time (readiness says why).
      }
    },
  });
  metrics.gauge({
    name: 'sesame_sessions',
    help: 'Web sessions not yet expired.',
    aggregator: 'first',
    async collect() {
      this.reset();
      try {
        this.set(await countLiveSessions(db, clock.now()));
      } catch {
        // As above.
      }
    },
  });
  const pools = connectionPoolsOf(db);
  if (pools !== null) {
    metrics.gauge({
      name: 'sesame_database_connections',
      help: 'PostgreSQL connections of each pool (serving: queries and transactions; reader: the hot path), by state; waiting: requests waiting for one.',
      labelNames: ['pool', 'state'],
      collect() {
        for (const [pool, { stats }] of Object.entries(pools)) {
          this.set({ pool, state: 'open' }, stats.open);
          this.set({ pool, state: 'idle' }, stats.idle);
          this.set({ pool, state: 'waiting' }, stats.waiting);
        }
      },
    });
  }
  const rechecks = metrics.counter({
    name: 'sesame_sso_rechecks_total',
    help: 'SSO accounts re-checked at the identity provider, by outcome (confirmed, disabled: the provider refused, unreachable).',
    labelNames: ['outcome'],
  });
  for (const outcome of ['confirmed', 'disabled', 'unreachable'] as const) rechecks.inc({ outcome }, 0);
  return {
    recheckRound(report) {
      for (const outcome of ['confirmed', 'disabled', 'unreachable'] as const) rechecks.inc({ outcome }, report[outcome]);
    },
  };
}
