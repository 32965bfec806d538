/**
 * Expiry of app passwords: the policy lifetime, or a shorter one chosen by
 * the user, in whole days from creation, kept to the second so that the
 * date shown is the exact instant of expiry. Dates are written as in the
 * help page: `2025-09-06T11:40:22+00:00`.
 */
import { SesameError } from '../errors.js';

const DAY_MS = 86_400_000;

export function computeExpiry(now: number, policyLifetimeDays: number, requestedDays?: number): number {
  const days = requestedDays ?? policyLifetimeDays;
  if (!Number.isInteger(days) || days < 1 || days > policyLifetimeDays) {
    throw new SesameError(
      'EXPIRY_OUT_OF_RANGE',
      `The lifetime must be a whole number of days between 1 and ${policyLifetimeDays}.`,
    );
  }
  return Math.floor((now + days * DAY_MS) / 1000) * 1000;
}

export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19) + '+00:00';
}
