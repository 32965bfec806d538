/**
 * The `login_flows` table: Login Flow v2 requests, found by the keyed hash
 * of their poll token or of their login token. Every change of state is one
 * conditional statement, so that of two nodes (or two browsers) acting on
 * one flow only one succeeds: the approval claims a pending flow, the poll
 * takes an approved one by deleting it (`DELETE … RETURNING`).
 */
import type { Db } from '../db/database.js';
import type { LoginFlowsTable, LoginFlowState } from '../db/schema.js';

export interface LoginFlowRecord {
  pollTokenHash: string;
  loginTokenHash: string;
  publicKey: string;
  clientName: string;
  application: string;
  startedIp: string;
  startedNetwork: string;
  state: LoginFlowState;
  userId: string | null;
  loginName: string | null;
  appPasswordId: string | null;
  sealedPassword: string | null;
  createdAt: number;
  expiresAt: number;
}

function toRecord(row: LoginFlowsTable): LoginFlowRecord {
  return {
    pollTokenHash: row.poll_token_hash,
    loginTokenHash: row.login_token_hash,
    publicKey: row.public_key,
    clientName: row.client_name,
    application: row.application,
    startedIp: row.started_ip,
    startedNetwork: row.started_network,
    state: row.state,
    userId: row.user_id,
    loginName: row.login_name,
    appPasswordId: row.app_password_id,
    sealedPassword: row.sealed_password,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export async function insertLoginFlow(db: Db, flow: LoginFlowRecord): Promise<void> {
  await db
    .insertInto('login_flows')
    .values({
      poll_token_hash: flow.pollTokenHash,
      login_token_hash: flow.loginTokenHash,
      public_key: flow.publicKey,
      client_name: flow.clientName,
      application: flow.application,
      started_ip: flow.startedIp,
      started_network: flow.startedNetwork,
      state: flow.state,
      user_id: flow.userId,
      login_name: flow.loginName,
      app_password_id: flow.appPasswordId,
      sealed_password: flow.sealedPassword,
      created_at: flow.createdAt,
      expires_at: flow.expiresAt,
    })
    .execute();
}

/** The flows an address (its throttling unit) has under way, and when the first of them ends. */
export async function liveFlowsFrom(db: Db, network: string, now: number): Promise<{ count: number; firstEnd: number | null }> {
  const row = await db
    .selectFrom('login_flows')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('expires_at').as('first_end')])
    .where('started_network', '=', network)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), firstEnd: row.first_end === null ? null : Number(row.first_end) };
}

/** A flow waiting for the browser's answer, by its login token; null when none is (unknown, answered or expired). */
export async function findPendingByLoginToken(db: Db, loginTokenHash: string, now: number): Promise<LoginFlowRecord | null> {
  const row = await db
    .selectFrom('login_flows')
    .selectAll()
    .where('login_token_hash', '=', loginTokenHash)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

/** Claims a pending flow for its approval by `userId`; null when it is no longer pending (or expired). */
export async function claimForApproval(
  db: Db,
  loginTokenHash: string,
  approver: { userId: string; loginName: string },
  now: number,
): Promise<LoginFlowRecord | null> {
  const row = await db
    .updateTable('login_flows')
    .set({ state: 'approving', user_id: approver.userId, login_name: approver.loginName })
    .where('login_token_hash', '=', loginTokenHash)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

/** An approval that could not finish gives the flow back (pending again, no approver). */
export async function releaseClaim(db: Db, loginTokenHash: string): Promise<void> {
  await db
    .updateTable('login_flows')
    .set({ state: 'pending', user_id: null, login_name: null })
    .where('login_token_hash', '=', loginTokenHash)
    .where('state', '=', 'approving')
    .execute();
}

/** Stores the sealed app password of a claimed flow; false when the flow was removed meanwhile (expired). */
export async function completeApproval(
  db: Db,
  loginTokenHash: string,
  appPasswordId: string,
  sealedPassword: string,
): Promise<boolean> {
  const result = await db
    .updateTable('login_flows')
    .set({ state: 'approved', app_password_id: appPasswordId, sealed_password: sealedPassword })
    .where('login_token_hash', '=', loginTokenHash)
    .where('state', '=', 'approving')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a pending flow (refused in the browser); false when there was none. */
export async function deletePendingByLoginToken(db: Db, loginTokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .deleteFrom('login_flows')
    .where('login_token_hash', '=', loginTokenHash)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Takes an approved flow by its poll token: deleted and returned (expired or not), once, whichever node asks first. */
export async function takeApproved(db: Db, pollTokenHash: string): Promise<LoginFlowRecord | null> {
  const row = await db
    .deleteFrom('login_flows')
    .where('poll_token_hash', '=', pollTokenHash)
    .where('state', '=', 'approved')
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

/** Whether a flow with this poll token is under way (not yet approved, not expired). */
export async function isUnderWay(db: Db, pollTokenHash: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('login_flows')
    .select('poll_token_hash')
    .where('poll_token_hash', '=', pollTokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes the expired flows; returns the app passwords that were approved for them but never handed over. */
export async function deleteExpired(db: Db, now: number): Promise<{ userId: string; appPasswordId: string }[]> {
  const rows = await db
    .deleteFrom('login_flows')
    .where('expires_at', '<=', now)
    .returning(['user_id', 'app_password_id'])
    .execute();
  return rows.flatMap((row) =>
    row.user_id !== null && row.app_password_id !== null ? [{ userId: row.user_id, appPasswordId: row.app_password_id }] : [],
  );
}
