/**
 * Recent connections (SPEC §2): web sign-ins, app-password uses and failed
 * attempts, aggregated per (credential, method, application, IP, client,
 * outcome) with first seen, last seen and a count. Each upsert is atomic, so
 * several nodes may count into the same row.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Outcome, SignInMethod } from '../db/schema.js';
import { formatInstant } from '../app-passwords/expiry.js';

/** Longest client description kept (the User-Agent header, truncated). */
export const CLIENT_MAX_LENGTH = 200;

export function describeClient(userAgent: string | undefined): string {
  return (userAgent ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, CLIENT_MAX_LENGTH);
}

export interface ConnectionEvent {
  usernameKey: string;
  userId: string | null;
  credential: string;
  method: SignInMethod;
  application: string;
  ip: string;
  client: string;
  outcome: Outcome;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

export async function recordConnection(db: Db, event: ConnectionEvent): Promise<void> {
  await db
    .insertInto('connections')
    .values({
      id: crypto.randomUUID(),
      username_key: event.usernameKey,
      user_id: event.userId,
      credential: event.credential,
      method: event.method,
      application: event.application,
      ip: event.ip,
      client: event.client,
      outcome: event.outcome,
      first_seen: event.firstSeen,
      last_seen: event.lastSeen,
      count: event.count,
    })
    .onConflict((oc) =>
      oc.columns(['username_key', 'credential', 'method', 'application', 'ip', 'client', 'outcome']).doUpdateSet({
        count: sql<number>`connections.count + ${event.count}`,
        last_seen: sql<number>`CASE WHEN connections.last_seen > ${event.lastSeen} THEN connections.last_seen ELSE ${event.lastSeen} END`,
        user_id: event.userId,
      }),
    )
    .execute();
}

/** Has this account ever signed in successfully from this address? */
export async function isKnownAddress(db: Db, usernameKey: string, ip: string): Promise<boolean> {
  const row = await db
    .selectFrom('connections')
    .select('id')
    .where('username_key', '=', usernameKey)
    .where('ip', '=', ip)
    .where('outcome', '=', 'success')
    .executeTakeFirst();
  return row !== undefined;
}

export interface ConnectionView {
  id: string;
  method: SignInMethod;
  outcome: Outcome;
  application: string | null;
  ip: string;
  client: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** The app password used, while it exists, so the user can delete it from here. */
  appPassword: { id: string; name: string } | null;
}

export async function listConnections(db: Db, userId: string, limit = 200): Promise<ConnectionView[]> {
  const rows = await db
    .selectFrom('connections')
    .leftJoin('app_passwords', (join) =>
      join.onRef('app_passwords.id', '=', 'connections.credential').on('app_passwords.revoked_at', 'is', null),
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
      'app_passwords.id as app_password_id',
      'app_passwords.name as app_password_name',
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
    firstSeen: formatInstant(row.first_seen),
    lastSeen: formatInstant(row.last_seen),
    count: row.count,
    appPassword: row.app_password_id && row.app_password_name ? { id: row.app_password_id, name: row.app_password_name } : null,
  }));
}
