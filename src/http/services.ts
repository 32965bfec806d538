/**
 * What the HTTP layer carries: the domain context plus configuration, and
 * the request decorations every route may rely on.
 */
import type { AuthContext } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config/config.js';

export interface Services extends AuthContext {
  config: Config;
}

/**
 * Who may call a route: nobody in particular, a signed-in user, an admin, a
 * user by session or Basic auth, or whoever the route's surface authenticates
 * (set by the surface plugin itself, see surfaces/basic-surface.ts).
 */
export type AuthRequirement = 'none' | 'session' | 'admin' | 'session-or-basic' | 'surface';

declare module 'fastify' {
  interface FastifyInstance {
    sesame: Services;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The raw session token, when the request came with a valid session cookie. */
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** Answer 401s with a Basic challenge. */
    basicChallenge?: boolean;
    /** The Basic-auth surface the route belongs to (surfaces/registry.ts). */
    surface?: string;
  }
}
