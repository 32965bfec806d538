/**
 * Set-up shared by the SSO suites: a real OpenID provider (helpers/oidc-provider.ts)
 * and a Sésame server configured for it, on a port known before start so
 * that the provider can register its redirect URI. Set-up only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestAccount, type TestProvider } from '../helpers/oidc-provider.js';
import type { Clock } from '../../src/context.js';
import { isSesameError } from '../../src/errors.js';
import { RETRY_MS } from '../../src/oidc/provider.js';
import {
  ManualClock,
  onFreePort,
  startServer,
  type DialectName,
  type TestServer,
  type TestServerOptions,
} from '../helpers/server.js';
import { CookieBrowser, authorizeAtProvider, startSso, visitCallback } from '../helpers/sso-browser.js';

/** How long a suite may wait for Sésame to reach its provider on a loaded machine. */
const DISCOVERY_DEADLINE_MS = 120_000;

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
 * Waits until Sésame knows the provider's metadata. Its start-up discovery
 * can time out on a loaded machine (the test process, which also runs the
 * provider, starved for 10 s), and a failed discovery is retried only
 * RETRY_MS later by Sésame's clock, which a ManualClock never moves: every
 * sign-in of the suite would then fail with SSO_UNAVAILABLE. So a failed
 * attempt is retried here, moving a manual clock past the delay.
 */
async function awaitDiscovery(sesame: TestServer, clock: Clock | undefined): Promise<void> {
  const deadline = Date.now() + DISCOVERY_DEADLINE_MS;
  for (;;) {
    try {
      await sesame.server.services.oidc!.configuration();
      return;
    } catch (error) {
      if (!isSesameError(error, 'SSO_UNAVAILABLE') || Date.now() > deadline) throw error;
    }
    if (clock instanceof ManualClock) clock.advance(RETRY_MS);
    else await sleep(RETRY_MS);
  }
}

/**
 * A provider with the given accounts and a Sésame server configured for it,
 * which has discovered the provider's metadata. With `providerDown`, the
 * provider is stopped before Sésame starts, so Sésame never learns its
 * metadata (stopping it later races the discovery Sésame starts at start-up).
 */
export async function startSsoWorld(
  dialect: DialectName,
  accounts: Record<string, TestAccount>,
  options: { env?: Record<string, string>; providerDown?: boolean } & Partial<TestServerOptions> = {},
): Promise<SsoWorld> {
  const { env, providerDown, ...serverOptions } = options;
  const { provider, sesame } = await onFreePort(async (port) => {
    const sesameUrl = `http://127.0.0.1:${port}`;
    const provider = await startTestProvider({ sesameUrl, accounts });
    if (providerDown) await provider.close();
    try {
      const sesame = await startServer({
        dialect,
        ...serverOptions,
        port,
        allowLoopbackHttpIssuer: true,
        env: oidcEnv(provider, sesameUrl, env),
      });
      return { provider, sesame };
    } catch (error) {
      if (!providerDown) await provider.close();
      throw error;
    }
  });
  const world = {
    provider,
    sesame,
    async close() {
      await sesame.close();
      if (!providerDown) await provider.close();
    },
  };
  if (!providerDown)
    await awaitDiscovery(sesame, serverOptions.clock).catch(async (error: unknown) => {
      await world.close();
      throw error;
    });
  return world;
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
