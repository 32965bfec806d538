/**
 * What the HTTP layer carries: the domain context plus configuration,
 * decorated on the Fastify instance for every route.
 */
import type { AuthServices } from '../auth/http-auth.js';
import type { Config } from '../config/config.js';

export interface Services extends AuthServices {
  config: Config;
}

declare module 'fastify' {
  interface FastifyInstance {
    sesame: Services;
  }
}
