/**
 * The codes the SSO callback may send the sign-in page
 * (`/signin?sso_error=CODE`): the web interface has a sentence for each and
 * imports this list, so the two cannot disagree. Any other failure reaches
 * the page as SSO_FAILED. No runtime import: the interface bundles it.
 */
import type { ErrorCode } from '../errors.js';

export const SSO_PAGE_ERRORS = [
  'SSO_LOGIN_EXPIRED',
  'SSO_FAILED',
  'SSO_CANCELLED',
  'SSO_DOMAIN_NOT_ALLOWED',
  'SSO_ACCOUNT_DISABLED',
  'SSO_NOT_CONFIGURED',
] as const satisfies readonly ErrorCode[];

export type SsoPageError = (typeof SSO_PAGE_ERRORS)[number];
