/**
 * Set-up shared by the SSO suites: a real OpenID provider (helpers/oidc-provider.ts)
 * and a Sésame server configured for it, on a port known before start so
 * that the provider can register its redirect URI. Set-up only.
 */
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestAccount, type TestProvider } from '../helpers/oidc-provider.js';
import { freePort, startServer, type DialectName, type TestServer, type TestServerOptions } from '../helpers/server.js';
import { CookieBrowser, authorizeAtProvider, startSso, visitCallback } from '../helpers/sso-browser.js';

export interface SsoWorld {
  provider: TestProvider;
  sesame: TestServer;
  close(): Promise<void>;
}

export function oidcEnv(provider: TestProvider, sesameUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL: sesameUrl,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    ...extra,
  };
}

/**
 * A provider with the given accounts and a Sésame server configured for it.
 * With `providerDown`, the provider is stopped before Sésame starts, so
 * Sésame never learns its metadata (stopping it later races the discovery
 * Sésame starts at start-up).
 */
export async function startSsoWorld(
  dialect: DialectName,
  accounts: Record<string, TestAccount>,
  options: { env?: Record<string, string>; providerDown?: boolean } & Partial<TestServerOptions> = {},
): Promise<SsoWorld> {
  const port = await freePort();
  const sesameUrl = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider({ sesameUrl, accounts });
  const { env, providerDown, ...serverOptions } = options;
  if (providerDown) await provider.close();
  const sesame = await startServer({
    dialect,
    ...serverOptions,
    port,
    allowLoopbackHttpIssuer: true,
    env: oidcEnv(provider, sesameUrl, env),
  });
  return {
    provider,
    sesame,
    async close() {
      await sesame.close();
      if (!providerDown) await provider.close();
    },
  };
}

/** The whole browser round trip as `sub`; where Sésame finally sends the browser. */
export async function signInThroughProvider(
  world: SsoWorld,
  sub: string,
  browser = new CookieBrowser(),
  returnTo?: string,
): Promise<{ landing: URL; browser: CookieBrowser }> {
  const authorizationUrl = await startSso(browser, world.sesame.url, returnTo);
  const callback = await authorizeAtProvider(browser, authorizationUrl, sub, `${world.sesame.url}/auth/oidc/callback`);
  return { landing: await visitCallback(browser, callback, world.sesame.url), browser };
}
