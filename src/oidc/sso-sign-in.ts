/**
 * Web sign-in through the OpenID provider: Authorization Code with PKCE,
 * `state` and `nonce` (RFC 9700 / OIDC Core). The login state lives in the
 * database for ten minutes (any node may receive the callback) and is taken
 * in one statement, so a replayed callback finds nothing; the browser that
 * started the sign-in holds the state in a cookie too, so that nobody can
 * finish a sign-in in someone else's browser. Every check of the provider's
 * answer is openid-client's. Nothing the provider wrote travels back to the
 * browser except through a stable error code.
 */
import crypto from 'node:crypto';
import * as client from 'openid-client';
import { SesameError, isSesameError } from '../errors.js';
import type { Context } from '../context.js';
import { createSession } from '../accounts/sessions.js';
import { recordWebSignIn } from '../accounts/sign-in-record.js';
import { deleteExpiredLoginStates, insertLoginState, takeLoginState } from '../repositories/oidc-login-states.js';
import { insertOidcSession } from '../repositories/oidc-sessions.js';
import type { OidcProvider } from './provider.js';
import { claimsOf } from './claims.js';
import { checkAllowedDomain, identityFromClaims } from './identity.js';
import { signInOrProvision } from './sso-accounts.js';

export const LOGIN_STATE_MS = 10 * 60_000;
const BASE_SCOPES = ['openid', 'email', 'profile'];

export function hashState(state: string): string {
  return crypto.createHash('sha256').update(state).digest('hex');
}

/**
 * A same-origin path (one leading '/', not '//' nor '/\'), else '/'. What is
 * not printable ASCII is percent-encoded: the path becomes a Location header,
 * which cannot carry it (`/€` made the callback fail with a 500).
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || !/^\/(?![/\\])/.test(raw) || raw.length > 2048 || /[\p{Cc}\p{Cs}]/u.test(raw)) return '/';
  return raw.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char));
}

/**
 * Scopes and parameters that obtain a refresh token: `offline_access` where
 * the provider lists it (Entra ID, Keycloak), else Google's `access_type=offline`.
 * OIDC Core §11 asks for prompt=consent with offline_access.
 */
function offlineParameters(configuration: client.Configuration): Record<string, string> {
  const supported = configuration.serverMetadata().scopes_supported;
  if (supported === undefined || supported.includes('offline_access')) {
    return { scope: [...BASE_SCOPES, 'offline_access'].join(' '), prompt: 'consent' };
  }
  return { scope: BASE_SCOPES.join(' '), access_type: 'offline', prompt: 'consent' };
}

/** Records a login state and returns the provider's authorization URL and the state for the browser's cookie. */
export async function startSsoSignIn(
  ctx: Context,
  provider: OidcProvider,
  returnTo: string,
): Promise<{ authorizationUrl: URL; state: string }> {
  const configuration = await provider.configuration();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const now = ctx.clock.now();
  await deleteExpiredLoginStates(ctx.db, now);
  await insertLoginState(ctx.db, {
    stateHash: hashState(state),
    sealedCodeVerifier: ctx.key.sealOidcToken(codeVerifier),
    nonce,
    returnTo,
    createdAt: now,
    expiresAt: now + LOGIN_STATE_MS,
  });
  const authorizationUrl = client.buildAuthorizationUrl(configuration, {
    redirect_uri: provider.config.redirectUri.href,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...offlineParameters(configuration),
  });
  return { authorizationUrl, state };
}

function sameState(a: string, b: string): boolean {
  const left = Buffer.from(hashState(a));
  const right = Buffer.from(hashState(b));
  return crypto.timingSafeEqual(left, right);
}

function loginExpired(): SesameError {
  return new SesameError('SSO_LOGIN_EXPIRED', 'This sign-in expired or was already used; start again.');
}

export interface SsoCallback {
  /** The callback's query string, as received. */
  query: URLSearchParams;
  /** The state the browser's cookie holds, if any. */
  browserState: string | undefined;
  ip: string;
  client: string;
}

/**
 * Finishes a sign-in at the callback: takes the login state, lets
 * openid-client exchange and validate the code, finds or provisions the
 * account, opens a session with method 'sso'.
 */
export async function finishSsoSignIn(
  ctx: Context,
  provider: OidcProvider,
  callback: SsoCallback,
): Promise<{ token: string; expiresAt: number; returnTo: string }> {
  const state = callback.query.get('state');
  if (state === null || callback.browserState === undefined || !sameState(state, callback.browserState)) throw loginExpired();
  const login = await takeLoginState(ctx.db, hashState(state));
  if (login === null || login.expiresAt <= ctx.clock.now()) throw loginExpired();
  if (callback.query.get('error') === 'access_denied') {
    throw new SesameError('SSO_CANCELLED', 'The sign-in was cancelled at the identity provider.');
  }
  const configuration = await provider.configuration();
  const currentUrl = new URL(provider.config.redirectUri);
  currentUrl.search = callback.query.toString();
  let identity;
  let tokens;
  try {
    tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: ctx.key.openOidcToken(login.sealedCodeVerifier),
      expectedState: state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    identity = identityFromClaims(await claimsOf(configuration, tokens));
  } catch (error) {
    if (isSesameError(error)) throw error;
    throw new SesameError('SSO_FAILED', 'The identity provider’s answer did not validate.', { cause: error });
  }
  checkAllowedDomain(identity, provider.config.allowedDomains);
  const { record, provisioned } = await signInOrProvision(
    ctx,
    {
      identity,
      sealedRefreshToken: tokens.refresh_token === undefined ? undefined : ctx.key.sealOidcToken(tokens.refresh_token),
    },
    provider.config.adminGroup,
  );
  const session = await createSession(ctx, {
    userId: record.id,
    verifiedPasswordHash: null,
    method: 'sso',
    ip: callback.ip,
    client: callback.client,
  });
  if (session === null) throw new SesameError('SSO_ACCOUNT_DISABLED', 'This account is disabled.');
  await insertOidcSession(ctx.db, {
    sessionId: session.sessionId,
    userId: record.id,
    sid: identity.sid,
    sealedIdToken: tokens.id_token === undefined ? null : ctx.key.sealOidcToken(tokens.id_token),
  });
  await recordWebSignIn(ctx, record, {
    method: 'sso',
    ip: callback.ip,
    client: callback.client,
    details: { provisioned },
  });
  return { token: session.token, expiresAt: session.expiresAt, returnTo: login.returnTo };
}
