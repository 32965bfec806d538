/**
 * App passwords die with the enterprise account: every OIDC_RECHECK_MINUTES,
 * each enabled SSO account that holds an app password in force is
 * refreshed at the provider with its sealed refresh token. A refusal of the
 * grant itself (`invalid_grant`: account disabled or deleted, consent or
 * token revoked) disables the account — its sessions end and its app
 * passwords are refused at the next request. Anything else (provider down,
 * 5xx, timeout, a client misconfiguration) disables nothing: the account is
 * asked again at the next round. Nodes share the work through a lease
 * claimed in the database, so no account is refreshed twice in a round.
 */
import * as client from 'openid-client';
import { SYSTEM_ACTOR } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import { disableUser } from '../accounts/users.js';
import {
  claimRecheck,
  findOidcAccountOfUser,
  listDueForRecheck,
  recordConfirmation,
  releaseRecheckLease,
} from '../repositories/oidc-accounts.js';
import { lockUser } from '../repositories/users.js';
import type { OidcProvider } from './provider.js';
import { claimsOf } from './claims.js';
import { identityFromClaims } from './identity.js';
import { applyAdminGroup } from './sso-accounts.js';

/** Long enough for one refresh (timeouts are 10 s); a node that dies mid-check frees the account after it. */
export const RECHECK_LEASE_MS = 2 * 60_000;
/** Accounts one round looks at; the rest wait for the next tick. */
const ROUND_SIZE = 100;

export type RecheckOutcome = 'confirmed' | 'disabled' | 'unreachable' | 'skipped';

export interface RecheckReport {
  confirmed: number;
  disabled: number;
  unreachable: number;
}

/** A refusal that means the grant is gone (RFC 6749 §5.2), as opposed to the provider failing. */
function grantRefused(error: unknown): boolean {
  return error instanceof client.ResponseBodyError && error.error === 'invalid_grant';
}

async function recheckAccount(
  ctx: Context,
  provider: OidcProvider,
  configuration: client.Configuration,
  userId: string,
  onUnreachable: (error: unknown) => void,
): Promise<RecheckOutcome> {
  const account = await findOidcAccountOfUser(ctx.db, userId);
  if (account?.sealedRefreshToken == null) {
    await releaseRecheckLease(ctx.db, userId);
    return 'skipped';
  }
  let tokens;
  let claims;
  try {
    tokens = await client.refreshTokenGrant(configuration, ctx.key.openOidcToken(account.sealedRefreshToken));
    claims = await claimsOf(configuration, tokens, account.subject);
  } catch (error) {
    if (grantRefused(error)) {
      await disableUser(ctx, userId, SYSTEM_ACTOR, 'sso-refresh-refused');
      return 'disabled';
    }
    await releaseRecheckLease(ctx.db, userId);
    onUnreachable(error);
    return 'unreachable';
  }
  const identity = identityFromClaims(claims);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const record = await lockUser(trx, userId);
    if (!record) return;
    await recordConfirmation(trx, userId, {
      at: now,
      ...(identity.email === null ? {} : { email: identity.email }),
      ...(tokens.refresh_token === undefined ? {} : { sealedRefreshToken: ctx.key.sealOidcToken(tokens.refresh_token) }),
    });
    // A reply that says nothing of groups (no ID token on refresh) leaves the role as it is.
    if ('groups' in claims) {
      await applyAdminGroup(trx, now, record, identity.groups, provider.config.adminGroup);
    }
  });
  return 'confirmed';
}

/**
 * One round on this node: the accounts due, each claimed before it is
 * refreshed (another node's claim makes this one skip it).
 */
export async function recheckDueAccounts(
  ctx: Context,
  provider: OidcProvider,
  onUnreachable: (error: unknown) => void,
): Promise<RecheckReport> {
  const report: RecheckReport = { confirmed: 0, disabled: 0, unreachable: 0 };
  const configuration = await provider.configuration();
  const issuer = configuration.serverMetadata().issuer;
  const now = ctx.clock.now();
  const dueBefore = now - provider.config.recheckMinutes * 60_000;
  const due = await listDueForRecheck(ctx.db, { issuer, dueBefore, now, limit: ROUND_SIZE });
  for (const userId of due) {
    if (!(await claimRecheck(ctx.db, userId, { dueBefore, now, leaseUntil: now + RECHECK_LEASE_MS }))) continue;
    const outcome = await recheckAccount(ctx, provider, configuration, userId, onUnreachable);
    if (outcome !== 'skipped') report[outcome] += 1;
  }
  return report;
}
