/**
 * What every web sign-in leaves behind, whatever the method (password,
 * password + TOTP, recovery code, SSO): a success row in the user's recent
 * connections and a `session.created` audit entry naming the method.
 * Records only; never decides whether a sign-in may happen.
 */
import { recordAudit } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import type { SignInMethod } from '../db/schema.js';
import { upsertConnection } from '../repositories/connections.js';
import type { UserRecord } from '../repositories/users.js';

export async function recordWebSignIn(
  ctx: Context,
  record: UserRecord,
  signIn: { method: SignInMethod; ip: string; client: string; details?: Record<string, string | boolean> },
): Promise<void> {
  const now = ctx.clock.now();
  await upsertConnection(ctx.db, {
    usernameKey: record.usernameKey,
    userId: record.id,
    appPasswordId: null,
    reason: null,
    method: signIn.method,
    application: null,
    ip: signIn.ip,
    client: signIn.client,
    outcome: 'success',
    firstSeen: now,
    lastSeen: now,
    count: 1,
  });
  await recordAudit(
    ctx.db,
    now,
    { userId: record.id, name: record.username, ip: signIn.ip, client: signIn.client },
    {
      action: 'session.created',
      targetUserId: record.id,
      target: record.username,
      details: { method: signIn.method, ...signIn.details },
    },
  );
}
