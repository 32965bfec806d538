/**
 * Recent connections: web sign-ins, app-password uses and failed
 * attempts, aggregated per (credential, method, application, IP, client,
 * outcome) with first seen, last seen and a count (stored by
 * repositories/connections.ts, one atomic upsert each), and how a client
 * is described. A failed use names the password of this account it was
 * (whatever its state now) and why it was refused: shown to the account's
 * owner only, since the client always gets the same 401.
 */
import type { Context } from '../context.js';
import { listRecentOfUser, type ConnectionRecord } from '../repositories/connections.js';
import { formatInstant } from '../app-passwords/expiry.js';

/** Longest client description kept (the User-Agent header, truncated). */
export const CLIENT_MAX_LENGTH = 200;

/** The User-Agent as shown to people: C0 and C1 controls (and DEL) become spaces, bounded length. */
export function describeClient(userAgent: string | undefined): string {
  return (userAgent ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, CLIENT_MAX_LENGTH);
}

/** A recent connection as shown: times in the help page's form. */
export type ConnectionView = Omit<ConnectionRecord, 'firstSeen' | 'lastSeen'> & { firstSeen: string; lastSeen: string };

export async function listConnections(ctx: Context, userId: string, limit = 200): Promise<ConnectionView[]> {
  const records = await listRecentOfUser(ctx.db, userId, limit, ctx.clock.now());
  return records.map((record) => ({
    ...record,
    firstSeen: formatInstant(record.firstSeen),
    lastSeen: formatInstant(record.lastSeen),
  }));
}
