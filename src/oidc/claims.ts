/**
 * The claims of a token response, as openid-client validated them: the ID
 * token's, completed by the UserInfo endpoint when the provider has one
 * (providers differ in which claims they put where: oidc-provider and
 * Keycloak can keep e-mail and groups in UserInfo, Entra ID and Google put
 * them in the ID token). The ID token's subject binds the UserInfo reply.
 */
import * as client from 'openid-client';
import { SesameError } from '../errors.js';

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

export async function claimsOf(
  configuration: client.Configuration,
  tokens: TokenResponse,
  expectedSubject?: string,
): Promise<Record<string, unknown>> {
  const idClaims = tokens.claims();
  const subject = idClaims?.sub ?? expectedSubject;
  if (subject === undefined) throw new SesameError('SSO_FAILED', 'The identity provider sent no ID token.');
  if (expectedSubject !== undefined && subject !== expectedSubject) {
    throw new SesameError('SSO_FAILED', 'The identity provider answered for another account.');
  }
  const userInfo = configuration.serverMetadata().userinfo_endpoint
    ? await client.fetchUserInfo(configuration, tokens.access_token, subject)
    : {};
  return { ...userInfo, ...idClaims, sub: subject, iss: idClaims?.iss ?? configuration.serverMetadata().issuer };
}
