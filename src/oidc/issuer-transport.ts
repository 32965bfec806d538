/**
 * The one rule on how Sésame may reach its OpenID provider: over https.
 * Only a test, through a buildServer option that no configuration reaches,
 * may allow plain http to a provider it runs on 127.0.0.1; never widen this
 * to other hosts or to an environment variable.
 */
import { SesameError } from '../errors.js';
import type { OidcConfig } from '../config/config.js';

export function checkIssuerTransport(oidc: OidcConfig, allowLoopbackHttpForTests: boolean): void {
  if (oidc.issuer.protocol === 'https:') return;
  if (allowLoopbackHttpForTests && oidc.issuer.protocol === 'http:' && oidc.issuer.hostname === '127.0.0.1') return;
  throw new SesameError('CONFIG_INVALID', 'Invalid configuration: OIDC_ISSUER must be an https:// URL.');
}
