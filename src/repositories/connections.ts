/**
 * The `connections` table: atomic upserts of aggregated connection rows,
 * the known-address question, and the listing joined with the passwords'
 * names. No application and no single credential are stored as '' (the
 * aggregate key must be non-null); this module maps them to and from null.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { FailureReason, Outcome, SignInMethod } from '../db/schema.js';

export interface ConnectionEvent {
  usernameKey: string;
  userId: string | null;
  /** The app password used (or, for a failure, the one of this account the secret matched), or null. */
  appPasswordId: string | null;
  /** Why a failure was refused, when known; null for a success. */
  reason: FailureReason | null;
  method: SignInMethod;
  /** null: the web UI, the JSON API, or a use that named no application. */
  application: string | null;
  ip: string;
  client: string;
  outcome: Outcome;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

export interface ConnectionRecord {
  id: string;
  method: SignInMethod;
  outcome: Outcome;
  application: string | null;
  ip: string;
  client: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  /** The latest reason of a failure, when known. */
  reason: FailureReason | null;
  /** The app password used or refused, by name; `active` while it is neither revoked nor expired. */
  appPassword: { id: string; name: string; active: boolean } | null;
}

export async function upsertConnection(db: Db, event: ConnectionEvent): Promise<void> {
  await db
    .insertInto('connections')
    .values({
      id: crypto.randomUUID(),
      username_key: event.usernameKey,
      user_id: event.userId,
      credential: event.appPasswordId ?? '',
      method: event.method,
      application: event.application ?? '',
      ip: event.ip,
      client: event.client,
      outcome: event.outcome,
      first_seen: event.firstSeen,
      last_seen: event.lastSeen,
      count: event.count,
      reason: event.reason,
    })
    .onConflict((oc) =>
      oc.columns(['username_key', 'credential', 'method', 'application', 'ip', 'client', 'outcome']).doUpdateSet({
        count: sql<number>`connections.count + ${event.count}`,
        last_seen: sql<number>`CASE WHEN connections.last_seen > ${event.lastSeen} THEN connections.last_seen ELSE ${event.lastSeen} END`,
        user_id: event.userId,
        reason: event.reason,
      }),
    )
    .execute();
}

/** Has this account ever signed in successfully from this address? */
export async function hasSucceededFrom(db: Db, usernameKey: string, ip: string): Promise<boolean> {
  const row = await db
    .selectFrom('connections')
    .select('id')
    .where('username_key', '=', usernameKey)
    .where('ip', '=', ip)
    .where('outcome', '=', 'success')
    .executeTakeFirst();
  return row !== undefined;
}

/** The account's recent connections, newest first; `now` tells which of the passwords named are still active. */
export async function listRecentOfUser(db: Db, userId: string, limit: number, now: number): Promise<ConnectionRecord[]> {
  const rows = await db
    .selectFrom('connections')
    .leftJoin('app_passwords', (join) =>
      join.onRef('app_passwords.id', '=', 'connections.credential').onRef('app_passwords.user_id', '=', 'connections.user_id'),
    )
    .select([
      'connections.id',
      'connections.method',
      'connections.outcome',
      'connections.application',
      'connections.ip',
      'connections.client',
      'connections.first_seen',
      'connections.last_seen',
      'connections.count',
      'connections.reason',
      'app_passwords.id as app_password_id',
      'app_passwords.name as app_password_name',
      'app_passwords.revoked_at as app_password_revoked_at',
      'app_passwords.expires_at as app_password_expires_at',
    ])
    .where('connections.user_id', '=', userId)
    .orderBy('connections.last_seen', 'desc')
    .orderBy('connections.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    method: row.method,
    outcome: row.outcome,
    application: row.application === '' ? null : row.application,
    ip: row.ip,
    client: row.client,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    count: Number(row.count),
    reason: row.reason,
    appPassword:
      row.app_password_id && row.app_password_name
        ? {
            id: row.app_password_id,
            name: row.app_password_name,
            active: row.app_password_revoked_at === null && Number(row.app_password_expires_at) > now,
          }
        : null,
  }));
}

/** Each account's last successful web sign-in (password, with a code or a recovery code, or SSO), by user id. */
export async function lastWebSignIns(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('connections')
    .select(['user_id', (eb) => eb.fn.max<number>('last_seen').as('last')])
    .where('outcome', '=', 'success')
    .where('method', 'in', ['password', 'password+totp', 'recovery-code', 'sso'])
    .where('user_id', 'is not', null)
    .groupBy('user_id')
    .execute();
  return new Map(rows.map((row) => [row.user_id!, Number(row.last)]));
}
