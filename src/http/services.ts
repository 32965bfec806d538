/**
 * What the HTTP layer carries: the domain context plus configuration,
 * decorated on the Fastify instance for every route.
 */
import type { AuthServices } from '../auth/http-auth.js';
import type { Config } from '../config/config.js';
import type { OidcProvider } from '../oidc/provider.js';
import type { Metrics } from '../ops/metrics.js';

export interface Services extends AuthServices {
  config: Config;
  /** The Prometheus metrics; other parts register their own instruments in it. */
  metrics: Metrics;
  /** The OpenID provider, when single sign-on is configured. */
  oidc: OidcProvider | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    sesame: Services;
  }
}
