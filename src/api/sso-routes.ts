/**
 * What the web UI and the administrators see of single sign-on:
 * GET /sso (anyone: whether to show the button, its text, where it leads)
 * and GET /admin/sso (the configuration, never the client secret).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { latestCheckAt } from '../repositories/oidc-accounts.js';
import { DEFAULT_OIDC_RECHECK_MINUTES } from '../config/config.js';
import { AdminSsoReply, ErrorReply, SsoReply } from './schemas.js';

export const SSO_START_PATH = '/auth/oidc/start' as const;

export const ssoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.sesame;
  const oidc = services.config.oidc;

  app.get('/sso', { config: { auth: 'none' }, schema: { response: { 200: SsoReply } } }, () =>
    oidc ? { enabled: true, label: oidc.label, startUrl: SSO_START_PATH } : { enabled: false, label: null, startUrl: null },
  );

  app.get(
    '/admin/sso',
    { config: { auth: 'admin' }, schema: { response: { 200: AdminSsoReply, '4xx': ErrorReply } } },
    async () => ({
      enabled: oidc !== null,
      issuer: oidc?.issuer.href ?? null,
      clientId: oidc?.clientId ?? null,
      redirectUri: oidc?.redirectUri.href ?? null,
      label: oidc?.label ?? null,
      allowedDomains: oidc?.allowedDomains ?? [],
      adminGroup: oidc?.adminGroup ?? null,
      recheckMinutes: oidc?.recheckMinutes ?? DEFAULT_OIDC_RECHECK_MINUTES,
      lastRecheckAt: await latestCheckAt(services.db),
    }),
  );
};
