/**
 * Logout with the provider, both ways. RP-initiated: when Sésame ends an SSO
 * session, the URL that also ends the provider's session (if it advertises
 * an end_session_endpoint). Back-channel (OpenID Connect Back-Channel Logout
 * 1.0): the provider's logout token, verified by jose against the provider's
 * keys, issuer and this client, ends the matching sessions at once.
 */
import * as client from 'openid-client';
import { jwtVerify, type JWTPayload } from 'jose';
import { SesameError, isSesameError } from '../errors.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import { findOidcAccount } from '../repositories/oidc-accounts.js';
import { findSealedIdToken, sessionIdsOfProviderSession } from '../repositories/oidc-sessions.js';
import { deleteSessionRecord, deleteSessionsOfUser } from '../repositories/sessions.js';
import { findUserById } from '../repositories/users.js';
import type { OidcProvider } from './provider.js';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** How old a logout token may be (its `iat`); clocks may differ by a minute. */
const LOGOUT_TOKEN_MAX_AGE = '5m';
const CLOCK_TOLERANCE = '60s';

/**
 * The provider's logout URL for an SSO session about to end, or null (not
 * an SSO session, no end_session_endpoint, provider unreachable).
 */
export async function providerLogoutUrl(
  ctx: Context,
  provider: OidcProvider | null,
  sessionId: string,
  afterLogout: URL,
): Promise<string | null> {
  if (provider === null) return null;
  const sealedIdToken = await findSealedIdToken(ctx.db, sessionId);
  if (sealedIdToken === null) return null;
  let configuration: client.Configuration;
  try {
    configuration = await provider.configuration();
  } catch (error) {
    if (isSesameError(error, 'SSO_UNAVAILABLE')) return null;
    throw error;
  }
  if (!configuration.serverMetadata().end_session_endpoint) return null;
  return client
    .buildEndSessionUrl(configuration, {
      id_token_hint: ctx.key.openOidcToken(sealedIdToken),
      post_logout_redirect_uri: afterLogout.href,
    })
    .toString();
}

function invalidToken(cause?: unknown): SesameError {
  return new SesameError('LOGOUT_TOKEN_INVALID', 'The logout token did not validate.', { cause });
}

/** Verifies a logout token as Back-Channel Logout 1.0 §2.6 asks; its claims when valid. */
async function verifyLogoutToken(provider: OidcProvider, logoutToken: string): Promise<JWTPayload> {
  const configuration = await provider.configuration();
  const keys = await provider.logoutTokenKeys();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(logoutToken, keys, {
      issuer: configuration.serverMetadata().issuer,
      audience: provider.config.clientId,
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE,
      clockTolerance: CLOCK_TOLERANCE,
      requiredClaims: ['iat', 'jti', 'events'],
    }));
  } catch (error) {
    throw invalidToken(error);
  }
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw invalidToken();
  if ('nonce' in payload) throw invalidToken();
  if (typeof payload.sub !== 'string' && typeof payload.sid !== 'string') throw invalidToken();
  return payload;
}

/**
 * Ends the sessions a valid logout token names: those of its `sid` (of its
 * `sub`'s account when both are given), or every session of its `sub`'s account.
 */
export async function acceptBackchannelLogout(ctx: Context, provider: OidcProvider, logoutToken: string): Promise<void> {
  const payload = await verifyLogoutToken(provider, logoutToken);
  const sub = typeof payload.sub === 'string' ? payload.sub : null;
  const sid = typeof payload.sid === 'string' ? payload.sid : null;
  const account = sub === null ? null : await findOidcAccount(ctx.db, payload.iss!, sub);
  if (sub !== null && account === null) return;
  if (sid !== null) {
    const sessionIds = await sessionIdsOfProviderSession(ctx.db, sid, account?.userId);
    for (const sessionId of sessionIds) await deleteSessionRecord(ctx.db, sessionId);
  } else {
    await deleteSessionsOfUser(ctx.db, account!.userId);
  }
  const user = account ? await findUserById(ctx.db, account.userId) : null;
  await recordAudit(ctx.db, ctx.clock.now(), SYSTEM_ACTOR, {
    action: 'session.ended-by-provider',
    targetUserId: user?.id ?? null,
    target: user?.username ?? '',
    details: { by: sid === null ? 'sub' : 'sid' },
  });
}
