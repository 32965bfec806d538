/**
 * Recent connections (SPEC §2): web sign-ins, app-password uses and failed
 * attempts, aggregated per (credential, method, application, IP, client,
 * outcome) with first seen, last seen and a count (stored by
 * repositories/connections.ts, one atomic upsert each), and how a client
 * is described.
 */
import type { Db } from '../db/database.js';
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

export async function listConnections(db: Db, userId: string, limit = 200): Promise<ConnectionView[]> {
  const records = await listRecentOfUser(db, userId, limit);
  return records.map((record) => ({
    ...record,
    firstSeen: formatInstant(record.firstSeen),
    lastSeen: formatInstant(record.lastSeen),
  }));
}
