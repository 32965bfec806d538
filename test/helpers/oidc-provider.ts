/**
 * A real OpenID provider for tests: `oidc-provider` (the certified Node
 * implementation) on 127.0.0.1, with one confidential client for Sésame,
 * test users whose claims the test can change (e-mail, groups) or delete,
 * refresh tokens for `offline_access`, back-channel and RP-initiated
 * logout, and its development login and consent pages (plain HTML forms,
 * driven by fetch in API tests and by chromium in the browser test).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export const CLIENT_ID = 'sesame';
export const CLIENT_SECRET = 'test-client-secret-6f1c9d2b7a';

export interface TestAccount {
  email?: string;
  emailVerified?: boolean;
  preferredUsername?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  provider: Provider;
  /** Accounts by `sub`; change or delete entries to change what the provider says. */
  accounts: Map<string, TestAccount>;
  /** Every authorization code, access and refresh token the provider issued (to check they are never logged). */
  issuedSecrets(): string[];
  /** Refresh-token grants the provider has answered (successfully or not). */
  refreshRequests(): number;
  /** Revokes every grant of the account (as "remove app access" at a real provider). */
  revokeGrants(sub: string): Promise<void>;
  /** The provider sends a back-channel logout for the account (and session id) to Sésame. */
  sendBackchannelLogout(sub: string, sid: string): Promise<void>;
  /** Stops answering (the provider is down); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  /** Sésame's public URL: the redirect, post-logout and back-channel logout URIs are under it. */
  sesameUrl: string;
  accounts?: Record<string, TestAccount>;
}

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
}

function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const accounts = new Map(Object.entries(structuredClone(options.accounts ?? {})));
  const grants = new Map<string, Set<string>>();
  let refreshes = 0;
  const issued: string[] = [];
  let server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const sesame = options.sesameUrl.replace(/\/$/, '');

  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${sesame}/auth/oidc/callback`],
        post_logout_redirect_uris: [`${sesame}/signin`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        backchannel_logout_uri: `${sesame}/auth/oidc/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    ],
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(account.email === undefined ? {} : { email: account.email, email_verified: account.emailVerified ?? true }),
            ...(account.preferredUsername === undefined ? {} : { preferred_username: account.preferredUsername }),
            ...(account.groups === undefined ? {} : { groups: account.groups }),
          };
        },
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
    pkce: { required: () => true },
    jwks: { keys: [await signingKey()] },
    cookies: { keys: ['test-provider-cookie-key'] },
    // The provider refuses to call special-use addresses (SSRF protection); Sésame is on loopback here.
    fetch: (url, init) => globalThis.fetch(url, { ...init, dispatcher: undefined } as RequestInit),
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, RefreshToken: 86_400, IdToken: 600 },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('grant.saved', (grant: { accountId?: string; jti: string }) => {
    if (grant.accountId === undefined) return;
    if (!grants.has(grant.accountId)) grants.set(grant.accountId, new Set());
    grants.get(grant.accountId)!.add(grant.jti);
  });
  const countRefresh = (ctx: { oidc?: { params?: Record<string, unknown> } }) => {
    if (ctx.oidc?.params?.grant_type === 'refresh_token') refreshes += 1;
  };
  provider.on('authorization_code.saved', (token) => issued.push(token.jti));
  provider.on('access_token.saved', (token) => issued.push(token.jti));
  provider.on('refresh_token.saved', (token) => issued.push(token.jti));
  provider.on('grant.success', countRefresh);
  provider.on('grant.error', countRefresh);
  const handler = provider.callback();
  server.on('request', handler);

  return {
    issuer,
    provider,
    accounts,
    issuedSecrets: () => [...issued],
    refreshRequests: () => refreshes,
    async revokeGrants(sub) {
      for (const jti of grants.get(sub) ?? []) {
        const grant = await provider.Grant.find(jti);
        await grant?.destroy();
      }
    },
    async sendBackchannelLogout(sub, sid) {
      // The provider's own back-channel logout: it signs the logout token and posts it to Sésame.
      const client = (await provider.Client.find(CLIENT_ID)) as unknown as {
        backchannelLogout(sub: string, sid: string): Promise<void>;
      };
      await client.backchannelLogout(sub, sid);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      server = http.createServer(handler);
      await listen(server, port);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
