/**
 * The `oidc_sessions` table: for each web session opened by SSO, the
 * provider's session id (`sid`) and the sealed ID token. Rows go with their
 * session (foreign key, on delete cascade). Never unseals a token.
 */
import type { Db } from '../db/database.js';

export async function insertOidcSession(
  db: Db,
  session: { sessionId: string; userId: string; sid: string | null; sealedIdToken: string | null },
): Promise<void> {
  await db
    .insertInto('oidc_sessions')
    .values({ session_id: session.sessionId, user_id: session.userId, sid: session.sid, id_token: session.sealedIdToken })
    .execute();
}

export async function findSealedIdToken(db: Db, sessionId: string): Promise<string | null> {
  const row = await db.selectFrom('oidc_sessions').select('id_token').where('session_id', '=', sessionId).executeTakeFirst();
  return row?.id_token ?? null;
}

/** Web sessions the provider's session `sid` opened, optionally only those of one user. */
export async function sessionIdsOfProviderSession(db: Db, sid: string, userId?: string): Promise<string[]> {
  let query = db.selectFrom('oidc_sessions').select('session_id').where('sid', '=', sid);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  return (await query.execute()).map((row) => row.session_id);
}
