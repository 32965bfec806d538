/**
 * The audit log: who did what, when and from where (sign-ins, app-password
 * creations, assignments, deletions, revocations, user and policy changes).
 * Details are plain facts such as names and ids; never a secret.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';

export type AuditAction =
  | 'session.created'
  | 'session.deleted'
  | 'user.created'
  | 'user.disabled'
  | 'user.password-changed'
  | 'app-password.created'
  | 'app-password.updated'
  | 'app-password.assigned-on-first-use'
  | 'app-password.deleted'
  | 'app-password.revoked'
  | 'policy.updated';

export interface Actor {
  userId: string | null;
  name: string;
  ip: string;
}

export interface AuditEntry {
  action: AuditAction;
  targetUserId?: string | null;
  target: string;
  details?: Record<string, string | number | boolean | null>;
}

export interface AuditRecord {
  id: string;
  at: number;
  actor: string;
  actorUserId: string | null;
  action: string;
  target: string;
  targetUserId: string | null;
  ip: string;
  details: Record<string, unknown>;
}

export async function recordAudit(db: Db, now: number, actor: Actor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: crypto.randomUUID(),
      at: now,
      actor_user_id: actor.userId,
      actor: actor.name,
      action: entry.action,
      target_user_id: entry.targetUserId ?? null,
      target: entry.target,
      ip: actor.ip,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

export async function listAudit(db: Db, options: { limit: number; before?: number }): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id').limit(options.limit);
  if (options.before !== undefined) query = query.where('at', '<', options.before);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    actorUserId: row.actor_user_id,
    action: row.action,
    target: row.target,
    targetUserId: row.target_user_id,
    ip: row.ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
