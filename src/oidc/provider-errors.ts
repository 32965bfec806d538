/**
 * What may be logged of a failure involving the provider: the error's kind,
 * message and stable code and, for an OAuth error reply, the `error` and status.
 * Library errors can carry the reply or the request they came from (codes,
 * tokens) in their `cause`; this never includes it.
 */
import * as client from 'openid-client';
import { isSesameError } from '../errors.js';

export function describeProviderError(error: unknown): Record<string, string | number> {
  const root = isSesameError(error) && error.cause !== undefined ? error.cause : error;
  const described: Record<string, string | number> = {};
  if (isSesameError(error)) described.sesameCode = error.code;
  if (root instanceof client.ResponseBodyError) {
    described.oauthError = root.error;
    described.status = root.status;
  } else if (root instanceof client.AuthorizationResponseError) {
    described.oauthError = root.error;
  }
  if (root instanceof Error) {
    described.kind = root.name;
    described.message = root.message.slice(0, 200);
    const code = (root as { code?: unknown }).code;
    if (typeof code === 'string') described.libraryCode = code;
  }
  return described;
}
