/**
 * The OpenID provider as Sésame reaches it: its metadata, discovered once
 * and kept, and the keys of its logout tokens. A provider that is down when
 * Sésame starts does not stop Sésame from serving local accounts: discovery
 * is retried at the next sign-in (at most one attempt in flight, and not
 * more often than every RETRY_MS), which meanwhile fails with
 * SSO_UNAVAILABLE. All protocol checks are openid-client's and jose's; this
 * module must never validate a token by hand.
 */
import * as client from 'openid-client';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { SesameError } from '../errors.js';
import type { OidcConfig } from '../config/config.js';

export const RETRY_MS = 5_000;
/** Seconds any request to the provider may take. */
const PROVIDER_TIMEOUT_SECONDS = 10;

export interface OidcProviderOptions {
  config: OidcConfig;
  /** Plain http to a test provider on 127.0.0.1 (checkIssuerTransport allowed it). */
  allowInsecureRequests: boolean;
  now?: () => number;
}

export class OidcProvider {
  readonly config: OidcConfig;
  private readonly allowInsecure: boolean;
  private readonly now: () => number;
  private discovered: client.Configuration | null = null;
  private pending: Promise<client.Configuration> | null = null;
  private lastFailureAt = -Infinity;
  private logoutKeys: JWTVerifyGetKey | null = null;

  constructor(options: OidcProviderOptions) {
    this.config = options.config;
    this.allowInsecure = options.allowInsecureRequests;
    this.now = options.now ?? Date.now;
  }

  /** The provider's configuration, discovering it when not yet known; SSO_UNAVAILABLE while it cannot be reached. */
  async configuration(): Promise<client.Configuration> {
    if (this.discovered) return this.discovered;
    if (!this.pending) {
      if (this.now() - this.lastFailureAt < RETRY_MS) throw unavailable();
      this.pending = this.discover().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  private async discover(): Promise<client.Configuration> {
    try {
      this.discovered = await client.discovery(
        this.config.issuer,
        this.config.clientId,
        undefined,
        client.ClientSecretBasic(this.config.clientSecret),
        { timeout: PROVIDER_TIMEOUT_SECONDS, ...(this.allowInsecure ? { execute: [client.allowInsecureRequests] } : {}) },
      );
      return this.discovered;
    } catch (error) {
      this.lastFailureAt = this.now();
      throw unavailable(error);
    }
  }

  /** The provider's signing keys (its jwks_uri, fetched and cached by jose) for logout tokens. */
  async logoutTokenKeys(): Promise<JWTVerifyGetKey> {
    const configuration = await this.configuration();
    const jwksUri = configuration.serverMetadata().jwks_uri;
    if (!jwksUri) throw new SesameError('SSO_FAILED', 'The identity provider publishes no signing keys.');
    this.logoutKeys ??= createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: PROVIDER_TIMEOUT_SECONDS * 1000 });
    return this.logoutKeys;
  }
}

function unavailable(cause?: unknown): SesameError {
  return new SesameError('SSO_UNAVAILABLE', 'The identity provider cannot be reached; try again in a moment.', { cause });
}
