/**
 * The `oidc_accounts` table: an SSO account's identity at its provider, its
 * sealed refresh token and its re-check lease. Never decides anything and
 * never unseals a token (oidc/ does both).
 */
import type { Db } from '../db/database.js';
import type { OidcAccountsTable } from '../db/schema.js';

export interface OidcAccountRecord {
  userId: string;
  issuer: string;
  subject: string;
  email: string | null;
  sealedRefreshToken: string | null;
  lastCheckedAt: number | null;
  createdAt: number;
}

function toRecord(row: OidcAccountsTable): OidcAccountRecord {
  return {
    userId: row.user_id,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    sealedRefreshToken: row.refresh_token,
    lastCheckedAt: row.last_checked_at,
    createdAt: row.created_at,
  };
}

/** Inserts the identity unless (issuer, subject) already has an account (a concurrent first sign-in); false then. */
export async function insertOidcAccountIfNew(db: Db, account: OidcAccountRecord): Promise<boolean> {
  const inserted = await db
    .insertInto('oidc_accounts')
    .values({
      user_id: account.userId,
      issuer: account.issuer,
      subject: account.subject,
      email: account.email,
      refresh_token: account.sealedRefreshToken,
      last_checked_at: account.lastCheckedAt,
      recheck_lease_until: null,
      created_at: account.createdAt,
    })
    .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findOidcAccount(db: Db, issuer: string, subject: string): Promise<OidcAccountRecord | null> {
  const row = await db
    .selectFrom('oidc_accounts')
    .selectAll()
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function findOidcAccountOfUser(db: Db, userId: string): Promise<OidcAccountRecord | null> {
  const row = await db.selectFrom('oidc_accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toRecord(row) : null;
}

/**
 * What the provider just confirmed (sign-in or re-check): the e-mail, the
 * time, and the refresh token when it gave one (providers that rotate them
 * give a new one each time); ends the re-check lease.
 */
export async function recordConfirmation(
  db: Db,
  userId: string,
  confirmed: { at: number; email?: string | null; sealedRefreshToken?: string },
): Promise<void> {
  await db
    .updateTable('oidc_accounts')
    .set({
      last_checked_at: confirmed.at,
      recheck_lease_until: null,
      ...(confirmed.email === undefined ? {} : { email: confirmed.email }),
      ...(confirmed.sealedRefreshToken === undefined ? {} : { refresh_token: confirmed.sealedRefreshToken }),
    })
    .where('user_id', '=', userId)
    .execute();
}

/** Ends a re-check lease without recording a confirmation (the provider could not be asked). */
export async function releaseRecheckLease(db: Db, userId: string): Promise<void> {
  await db.updateTable('oidc_accounts').set({ recheck_lease_until: null }).where('user_id', '=', userId).execute();
}

/**
 * Enabled SSO accounts of the issuer with a refresh token that hold an app
 * password still in force and were last confirmed before `dueBefore` (or
 * never), not leased by a node, oldest first.
 */
export async function listDueForRecheck(
  db: Db,
  query: { issuer: string; dueBefore: number; now: number; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('oidc_accounts')
    .innerJoin('users', 'users.id', 'oidc_accounts.user_id')
    .select('oidc_accounts.user_id')
    .where('oidc_accounts.issuer', '=', query.issuer)
    .where('oidc_accounts.refresh_token', 'is not', null)
    .where('users.disabled_at', 'is', null)
    .where((eb) =>
      eb.or([eb('oidc_accounts.last_checked_at', 'is', null), eb('oidc_accounts.last_checked_at', '<', query.dueBefore)]),
    )
    .where((eb) =>
      eb.or([eb('oidc_accounts.recheck_lease_until', 'is', null), eb('oidc_accounts.recheck_lease_until', '<', query.now)]),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('app_passwords')
          .select('app_passwords.id')
          .whereRef('app_passwords.user_id', '=', 'oidc_accounts.user_id')
          .where('app_passwords.revoked_at', 'is', null)
          .where('app_passwords.expires_at', '>', query.now),
      ),
    )
    .orderBy('oidc_accounts.last_checked_at')
    .limit(query.limit)
    .execute();
  return rows.map((row) => row.user_id);
}

/**
 * Claims the account's re-check until `leaseUntil`, atomically across nodes:
 * true only for the one caller that found it due and not leased.
 */
export async function claimRecheck(
  db: Db,
  userId: string,
  claim: { dueBefore: number; now: number; leaseUntil: number },
): Promise<boolean> {
  const result = await db
    .updateTable('oidc_accounts')
    .set({ recheck_lease_until: claim.leaseUntil })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_checked_at', 'is', null), eb('last_checked_at', '<', claim.dueBefore)]))
    .where((eb) => eb.or([eb('recheck_lease_until', 'is', null), eb('recheck_lease_until', '<', claim.now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** When the provider last confirmed any SSO account (sign-in or re-check), or null. */
export async function latestCheckAt(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('oidc_accounts')
    .select((eb) => eb.fn.max('last_checked_at').as('latest'))
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? null : Number(row.latest);
}
