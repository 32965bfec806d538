/**
 * What the HTTP layer carries: the domain context plus configuration,
 * decorated on the Fastify instance for every route.
 */
import type { AuthServices } from '../auth/http-auth.js';
import type { Config } from '../config/config.js';
import type { OidcProvider } from '../oidc/provider.js';

export interface Services extends AuthServices {
  config: Config;
  /** The OpenID provider, when single sign-on is configured. */
  oidc: OidcProvider | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    sesame: Services;
  }
}
