/**
 * Turns a failure into a sentence in the user's language, from the API's
 * stable error code (throttling says when to retry). Never shows the
 * server's English message.
 */
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.js';

export function errorMessage(t: TFunction, error: unknown): string {
  if (!(error instanceof ApiError)) return t('errors.NETWORK');
  if (error.code === 'THROTTLED') return t('errors.THROTTLED', { seconds: error.retryAfter ?? 60 });
  const key = `errors.${error.code}`;
  return t(key, { defaultValue: t('errors.INTERNAL') });
}

/** The code of an API failure, to decide which field it concerns. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof ApiError ? error.code : undefined;
}
