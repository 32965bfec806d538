/**
 * The browser side of single sign-on, under /auth/oidc (outside the JSON
 * API: these are page navigations and the provider's own calls):
 * GET /start sends the browser to the provider, GET /callback brings it
 * back signed in (303 to `returnTo`) or to /signin?sso_error=CODE with a
 * stable code — never the provider's own words — and
 * POST /backchannel-logout takes the provider's logout tokens.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SesameError, isSesameError, type ErrorCode } from '../errors.js';
import { addressOf, clientOf } from '../auth/request-source.js';
import { setSessionCookie } from '../http/session-cookie.js';
import type { Services } from '../http/services.js';
import { finishSsoSignIn, LOGIN_STATE_MS, safeReturnTo, startSsoSignIn } from './sso-sign-in.js';
import { acceptBackchannelLogout } from './sso-logout.js';
import type { OidcProvider } from './provider.js';
import { describeProviderError } from './provider-errors.js';
import { SSO_PAGE_ERRORS } from './sso-page-errors.js';
import { usesSecureCookies } from '../auth/http-auth.js';

/** The codes the sign-in page knows (shared with the interface); anything else reaches it as SSO_FAILED. */
const PAGE_CODES = new Set<ErrorCode>(SSO_PAGE_ERRORS);

const STATE_COOKIE = 'sesame_sso_state';
const STATE_COOKIE_PATH = '/auth/oidc';
const LOGOUT_BODY_LIMIT = 64 * 1024;

function stateCookieOptions(services: Services) {
  return {
    path: STATE_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: usesSecureCookies(services),
  };
}

function notConfigured(): SesameError {
  return new SesameError('SSO_NOT_CONFIGURED', 'Single sign-on is not configured on this server.');
}

export const oidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const provider: OidcProvider | null = services.oidc;

  /** Back to the sign-in page with a stable code; an unexpected failure is logged (without secrets) as well. */
  function failTo(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    const code = isSesameError(error) && PAGE_CODES.has(error.code) ? error.code : 'SSO_FAILED';
    if (code === 'SSO_FAILED') request.log.warn({ sso: describeProviderError(error) }, 'single sign-on failed');
    reply.clearCookie(STATE_COOKIE, stateCookieOptions(services));
    return reply.redirect(`/signin?sso_error=${code}`, 303);
  }

  app.get(
    '/start',
    {
      config: { auth: 'none' },
      schema: { querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 4096 })) }) },
    },
    async (request, reply) => {
      try {
        if (provider === null) throw notConfigured();
        const { authorizationUrl, state } = await startSsoSignIn(services, provider, safeReturnTo(request.query.returnTo));
        reply.setCookie(STATE_COOKIE, state, { ...stateCookieOptions(services), maxAge: LOGIN_STATE_MS / 1000 });
        reply.header('cache-control', 'no-store');
        return reply.redirect(authorizationUrl.href, 303);
      } catch (error) {
        return failTo(request, reply, error);
      }
    },
  );

  app.get('/callback', { config: { auth: 'none' } }, async (request, reply) => {
    try {
      if (provider === null) throw notConfigured();
      const signedIn = await finishSsoSignIn(services, provider, {
        query: new URLSearchParams(request.url.split('?')[1] ?? ''),
        browserState: request.cookies[STATE_COOKIE],
        ip: addressOf(request),
        client: clientOf(request),
      });
      reply.clearCookie(STATE_COOKIE, stateCookieOptions(services));
      setSessionCookie(reply, services, signedIn.token, signedIn.expiresAt);
      reply.header('cache-control', 'no-store');
      return reply.redirect(signedIn.returnTo, 303);
    } catch (error) {
      return failTo(request, reply, error);
    }
  });

  // The provider posts its logout token as a form (Back-Channel Logout 1.0 §2.5); only this scope reads forms.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: LOGOUT_BODY_LIMIT },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.post(
    '/backchannel-logout',
    {
      config: { auth: 'none' },
      schema: { body: Type.Object({ logout_token: Type.String({ minLength: 1, maxLength: LOGOUT_BODY_LIMIT }) }) },
    },
    async (request, reply) => {
      if (provider === null) throw notConfigured();
      await acceptBackchannelLogout(services, provider, request.body.logout_token);
      return reply.header('cache-control', 'no-store').status(200).send();
    },
  );
};
