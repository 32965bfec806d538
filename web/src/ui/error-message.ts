/**
 * Turns a failure into a sentence in the user's language, from the API's
 * stable error code (throttling says when to retry). Never shows the
 * server's English message.
 */
import type { TFunction } from 'i18next';
import { ApiError, type FailureCode } from '../api/client.js';

export function errorMessage(t: TFunction, error: unknown, values: Record<string, unknown> = {}): string {
  if (!(error instanceof ApiError)) return t('errors.NETWORK');
  if (error.code === 'THROTTLED') return t('errors.THROTTLED', { seconds: error.retryAfter ?? 60 });
  return t(`errors.${error.code}`, { ...values, defaultValue: t('errors.INTERNAL') });
}

/** The code of an API failure, to decide which field it concerns. */
export function errorCode(error: unknown): FailureCode | undefined {
  return error instanceof ApiError ? error.code : undefined;
}

/** Which field of a form a failure concerns, from a map of its codes; 'form' for any other. */
export function fieldOf<F extends string>(error: unknown, fields: Partial<Record<FailureCode, F>>): F | 'form' {
  const code = errorCode(error);
  return (code === undefined ? undefined : fields[code]) ?? 'form';
}
