/**
 * The audit log: who did what, when and from where (sign-ins, app-password
 * creations, assignments, deletions, revocations, user and policy changes).
 * The actor is always an account (or the system, or the CLI), never a name
 * a client chose; what the client says about itself is kept apart, labelled
 * `client`. Details are plain facts such as names and ids; never a secret.
 * Pages are read from an opaque cursor holding the last entry's (time, id).
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import type { Db } from '../db/database.js';
import { insertAuditRow, listAuditRows, type AuditFilter, type AuditRowRead } from '../repositories/audit-log.js';

/** Every action the log records; the administration's filter offers each of them. */
export const AUDIT_ACTIONS = [
  'session.created',
  'session.deleted',
  'session.ended-by-provider',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.sso-provisioned',
  'user.sso-linked',
  'user.role-changed',
  'user.username-key-conflict',
  'user.password-changed',
  'user.totp-enabled',
  'user.totp-disabled',
  'user.totp-reset',
  'user.recovery-codes-regenerated',
  'app-password.created',
  'app-password.updated',
  'app-password.assigned-on-first-use',
  'app-password.deleted',
  'app-password.revoked',
  'policy.updated',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface Actor {
  /** The acting account, or null for the system and the CLI. */
  userId: string | null;
  /** The account's username, or 'system' / 'cli'. */
  name: string;
  ip: string;
  /** The client's description of itself (User-Agent); '' when none. */
  client: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, name: 'system', ip: '', client: '' };
export const CLI_ACTOR: Actor = { userId: null, name: 'cli', ip: '', client: '' };

export interface AuditEntry {
  action: AuditAction;
  targetUserId?: string | null;
  target: string;
  details?: Record<string, string | number | boolean | null>;
}

export type AuditRecord = AuditRowRead;

export async function recordAudit(db: Db, now: number, actor: Actor, entry: AuditEntry): Promise<void> {
  await insertAuditRow(db, {
    id: crypto.randomUUID(),
    at: now,
    actorUserId: actor.userId,
    actor: actor.name,
    action: entry.action,
    targetUserId: entry.targetUserId ?? null,
    target: entry.target,
    ip: actor.ip,
    client: actor.client,
    details: entry.details ?? {},
  });
}

function encodeCursor(entry: { at: number; id: string }): string {
  return Buffer.from(`${entry.at}/${entry.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  const match = /^(\d{1,16})\/([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new SesameError('VALIDATION_FAILED', '"cursor" must be a nextCursor value returned by an earlier page.');
  return { at: Number(match[1]), id: match[2]! };
}

/** One page, newest first; `nextCursor` reads the page after it, null after the last. */
export async function listAudit(
  db: Db,
  options: { limit: number; cursor?: string; filter?: AuditFilter },
): Promise<{ entries: AuditRecord[]; nextCursor: string | null }> {
  const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
  const rows = await listAuditRows(db, options.limit + 1, after, options.filter);
  const entries = rows.slice(0, options.limit);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
}
