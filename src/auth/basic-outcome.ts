/**
 * What became of one Basic-auth attempt, for the server's counts (the
 * Prometheus metrics) — never for the client, who gets the same 401
 * whatever the reason. The outcomes: a success; a refusal under the reason
 * its account's owner reads in Connexions récentes (wrong secret, revoked,
 * expired, wrong application, disabled account…); a malformed header; no
 * credentials at all (the first request of a WebDAV client); throttled; the
 * database unavailable. An outcome never says who tried, or from where.
 */
import { FAILURE_REASONS, type FailureReason } from '../db/schema.js';
import { SesameError, isSesameError } from '../errors.js';
import { isDatabaseFault } from '../db/database-faults.js';

export const BASIC_AUTH_OUTCOMES = [
  'success',
  ...FAILURE_REASONS,
  'malformed',
  'no-credentials',
  'throttled',
  'unavailable',
  'error',
] as const;
export type BasicAuthOutcome = (typeof BASIC_AUTH_OUTCOMES)[number];

/** Told the outcome of every Basic-auth attempt. */
export interface BasicAuthObserver {
  basicAuthAttempt(outcome: BasicAuthOutcome): void;
}

export const UNAUTHENTICATED_MESSAGE = 'Authentication required: use your username and an app password.';

/** The uniform 401 of a refused Basic attempt, carrying why for the server's counts; the client sees only UNAUTHENTICATED. */
export class BasicRefusal extends SesameError {
  constructor(readonly reason: FailureReason | 'malformed' | 'no-credentials') {
    super('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
  }
}

/** The outcome of an attempt that ended with `error`. */
export function outcomeOfFailure(error: unknown): BasicAuthOutcome {
  if (error instanceof BasicRefusal) return error.reason;
  if (isSesameError(error, 'THROTTLED')) return 'throttled';
  if (isDatabaseFault(error)) return 'unavailable';
  return 'error';
}
