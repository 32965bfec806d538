/**
 * The `oidc_login_states` table: sign-ins under way at the provider, keyed by
 * the hash of their `state`. Taking one deletes it in the same statement, so
 * that of two callbacks with one state (two nodes, a replay) only one gets it.
 */
import type { Db } from '../db/database.js';

export interface LoginStateRecord {
  stateHash: string;
  sealedCodeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAt: number;
  expiresAt: number;
}

export async function insertLoginState(db: Db, state: LoginStateRecord): Promise<void> {
  await db
    .insertInto('oidc_login_states')
    .values({
      state_hash: state.stateHash,
      code_verifier: state.sealedCodeVerifier,
      nonce: state.nonce,
      return_to: state.returnTo,
      created_at: state.createdAt,
      expires_at: state.expiresAt,
    })
    .execute();
}

/** Deletes and returns the login state (expired or not); null when there is none, or another caller took it. */
export async function takeLoginState(db: Db, stateHash: string): Promise<LoginStateRecord | null> {
  const row = await db.deleteFrom('oidc_login_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
  return row
    ? {
        stateHash: row.state_hash,
        sealedCodeVerifier: row.code_verifier,
        nonce: row.nonce,
        returnTo: row.return_to,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    : null;
}

export async function deleteExpiredLoginStates(db: Db, now: number): Promise<void> {
  await db.deleteFrom('oidc_login_states').where('expires_at', '<=', now).execute();
}
