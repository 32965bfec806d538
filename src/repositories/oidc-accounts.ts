/**
 * The `oidc_accounts` table: an SSO account's identity at its provider, its
 * sealed refresh token and its re-check lease. Never decides anything and
 * never unseals a token (oidc/ does both).
 */
import type { Db } from '../db/database.js';

/** When the provider last confirmed any SSO account (sign-in or re-check), or null. */
export async function latestCheckAt(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('oidc_accounts')
    .select((eb) => eb.fn.max('last_checked_at').as('latest'))
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? null : Number(row.latest);
}
