/**
 * The `audit_log` table: appending entries and reading them newest first,
 * a page at a time from a (time, id) position, so that entries written in
 * the same millisecond are neither lost nor repeated between pages; each
 * entry read names the account its target belongs to, as it is named now.
 */
import type { Db } from '../db/database.js';

export interface AuditRow {
  id: string;
  at: number;
  /** The account that acted, or null for the system and the CLI. */
  actorUserId: string | null;
  /** Its username (or 'system', 'cli'); never taken from the request. */
  actor: string;
  action: string;
  targetUserId: string | null;
  target: string;
  ip: string;
  /** The client's own description of itself (User-Agent), for information only. */
  client: string;
  details: Record<string, unknown>;
}

/** An entry as read back: with the current username of the account its target belongs to. */
export interface AuditRowRead extends AuditRow {
  targetUsername: string | null;
}

export async function insertAuditRow(db: Db, row: AuditRow): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: row.id,
      at: row.at,
      actor_user_id: row.actorUserId,
      actor: row.actor,
      action: row.action,
      target_user_id: row.targetUserId,
      target: row.target,
      ip: row.ip,
      client: row.client,
      details: JSON.stringify(row.details),
    })
    .execute();
}

/** Which entries a page holds: one action, and/or one name as actor or target. */
export interface AuditFilter {
  action?: string;
  user?: string;
}

/** Entries older than `after` in the order (at desc, id desc), those the filter keeps. */
export async function listAuditRows(
  db: Db,
  limit: number,
  after: { at: number; id: string } | null,
  filter: AuditFilter = {},
): Promise<AuditRowRead[]> {
  let query = db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.target_user_id')
    .selectAll('audit_log')
    .select('users.username as target_username')
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(limit);
  if (after !== null) {
    query = query.where((eb) =>
      eb.or([eb('audit_log.at', '<', after.at), eb.and([eb('audit_log.at', '=', after.at), eb('audit_log.id', '<', after.id)])]),
    );
  }
  if (filter.action !== undefined) query = query.where('audit_log.action', '=', filter.action);
  const user = filter.user;
  if (user !== undefined)
    query = query.where((eb) => eb.or([eb('audit_log.actor', '=', user), eb('audit_log.target', '=', user)]));
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actorUserId: row.actor_user_id,
    actor: row.actor,
    action: row.action,
    targetUserId: row.target_user_id,
    target: row.target,
    ip: row.ip,
    client: row.client,
    details: JSON.parse(row.details) as Record<string, unknown>,
    targetUsername: row.target_username,
  }));
}
