/**
 * Says, in the log, when the reverse proxy in front of Sésame is set up in
 * a way users would feel, naming the cause and the fix:
 *
 * - at start, PUBLIC_URL is https (so a TLS proxy must be in front: Sésame
 *   itself speaks http) while TRUST_PROXY trusts no proxy;
 * - a request forwarded (X-Forwarded-For) by an address TRUST_PROXY does
 *   not name: every client then appears as the proxy, so one person's
 *   failed sign-ins throttle everyone behind it and Connexions récentes show
 *   the proxy's address (an error, once per proxy address);
 * - a browser that reached the proxy over plain http (its Origin, or the
 *   X-Forwarded-Proto of a trusted proxy) while PUBLIC_URL is https: the
 *   session cookie is Secure, the browser drops it, and every sign-in sends
 *   the user back to the sign-in page (an error, once per origin).
 *
 * It only reads two headers per request and never refuses one: a request
 * that reaches Sésame is served as before.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { usesSecureCookies } from '../auth/http-auth.js';

/** Addresses and origins already reported: each is told once, and the memory stays small. */
const REPORTED_LIMIT = 64;

function once(reported: Set<string>, key: string): boolean {
  if (reported.has(key) || reported.size >= REPORTED_LIMIT) return false;
  reported.add(key);
  return true;
}

/** Whether a trusted proxy handed this request on (Fastify then took the client's address from X-Forwarded-For). */
function fromTrustedProxy(request: FastifyRequest): boolean {
  return request.ip !== request.socket.remoteAddress;
}

export function checkProxySetup(app: FastifyInstance, config: Pick<Config, 'publicUrl' | 'trustProxy'>): void {
  // The session cookie is Secure exactly then.
  const https = usesSecureCookies({ config });
  if (https && config.trustProxy === false) {
    app.log.warn(
      'PUBLIC_URL is https but TRUST_PROXY names no proxy: Sésame speaks http behind a TLS proxy, and sees that proxy ' +
        "as every client's address. Set TRUST_PROXY to the proxy's address (true for a proxy on this machine).",
    );
  }
  const untrustedProxies = new Set<string>();
  const insecureOrigins = new Set<string>();
  app.addHook('onRequest', (request, _reply, done) => {
    const forwarded = request.headers['x-forwarded-for'] !== undefined;
    if (forwarded && !fromTrustedProxy(request)) {
      const proxy = request.socket.remoteAddress ?? '?';
      if (once(untrustedProxies, proxy)) {
        request.log.error(
          { proxy },
          `a proxy at ${proxy} forwards requests (X-Forwarded-For) but TRUST_PROXY does not name it: every client it ` +
            'forwards appears as its address, so one client’s failed sign-ins throttle them all. Add it to TRUST_PROXY.',
        );
      }
    }
    if (https) {
      const origin = request.headers.origin;
      const overHttp =
        (typeof origin === 'string' && origin.startsWith('http://')) ||
        (forwarded && fromTrustedProxy(request) && request.protocol === 'http');
      const where = (typeof origin === 'string' ? origin : `${request.protocol}://${request.host}`).slice(0, 200);
      if (overHttp && once(insecureOrigins, where)) {
        request.log.error(
          { origin: where },
          `a browser reached Sésame over http (${where}) while PUBLIC_URL is ${config.publicUrl.origin}: the session ` +
            'cookie is Secure, so the browser drops it and sign-in loops. Serve Sésame over https at PUBLIC_URL only ' +
            '(redirect http to https at the proxy), or make PUBLIC_URL the address browsers use.',
        );
      }
    }
    done();
  });
}
