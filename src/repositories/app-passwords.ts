/**
 * The `app_passwords` table: every statement on it, returning
 * AppPasswordRecord values. Revoked passwords stay as rows (their hash can
 * never match again; recent connections keep their history): every query
 * for active passwords filters on `revoked_at IS NULL`, and every change of
 * state is a conditional UPDATE, so that of two concurrent requests on any
 * node exactly one changes it.
 */
import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';
import type { AppPasswordsTable, AssignmentSource, RevocationReason, Role } from '../db/schema.js';
import type { ThrottleReading } from './throttle.js';

export interface LastUse {
  at: number;
  ip: string;
  client: string;
  /** null: a use that named no application (GET /me). */
  application: string | null;
}

export interface AppPasswordRecord {
  id: string;
  userId: string;
  name: string;
  nameKey: string;
  /** HMAC-SHA-256(server key, secret), hex. */
  secretHash: string;
  /** null while unassigned ("Non affectée"). */
  application: string | null;
  assignedAt: number | null;
  assignedBy: AssignmentSource | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedReason: RevocationReason | null;
  /** Who revoked it, by name as the audit log names actors; null while active (or revoked before this was kept). */
  revokedBy: string | null;
  lastUse: LastUse | null;
}

function toRecord(row: AppPasswordsTable): AppPasswordRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    nameKey: row.name_key,
    secretHash: row.secret_hash,
    application: row.application,
    assignedAt: row.assigned_at,
    assignedBy: row.assigned_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    revokedBy: row.revoked_by,
    lastUse:
      row.last_used_at === null
        ? null
        : {
            at: row.last_used_at,
            ip: row.last_used_ip ?? '',
            client: row.last_used_client ?? '',
            application: row.last_used_application || null,
          },
  };
}

export async function insertAppPassword(db: Db, record: AppPasswordRecord): Promise<void> {
  await db
    .insertInto('app_passwords')
    .values({
      id: record.id,
      user_id: record.userId,
      name: record.name,
      name_key: record.nameKey,
      secret_hash: record.secretHash,
      application: record.application,
      assigned_at: record.assignedAt,
      assigned_by: record.assignedBy,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      revoked_at: record.revokedAt,
      revoked_reason: record.revokedReason,
      revoked_by: record.revokedBy,
      last_used_at: record.lastUse?.at ?? null,
      last_used_ip: record.lastUse?.ip ?? null,
      last_used_client: record.lastUse?.client ?? null,
      last_used_application: record.lastUse ? (record.lastUse.application ?? '') : null,
    })
    .execute();
}

/** Passwords neither revoked nor expired at `now`. */
export async function countUsable(db: Db, userId: string, now: number): Promise<number> {
  const { active } = await db
    .selectFrom('app_passwords')
    .select((eb) => eb.fn.countAll<number>().as('active'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(active);
}

/** Revokes (as 'expired', by the system) an expired active password holding this name, so that the name is free again. */
export async function retireExpiredName(db: Db, userId: string, nameKey: string, now: number, exceptId?: string): Promise<void> {
  let query = db
    .updateTable('app_passwords')
    .set({ revoked_at: now, revoked_reason: 'expired', revoked_by: 'system' })
    .where('user_id', '=', userId)
    .where('name_key', '=', nameKey)
    .where('revoked_at', 'is', null)
    .where('expires_at', '<=', now);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  await query.execute();
}

export async function activeNameExists(db: Db, userId: string, nameKey: string, exceptId?: string): Promise<boolean> {
  let query = db
    .selectFrom('app_passwords')
    .select('id')
    .where('user_id', '=', userId)
    .where('name_key', '=', nameKey)
    .where('revoked_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function listActive(db: Db, userId: string): Promise<AppPasswordRecord[]> {
  const rows = await db
    .selectFrom('app_passwords')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/**
 * The user's passwords that ended since `since`: revoked then (deleted,
 * revoked by an administrator, by a password change, retired after expiry)
 * or, still unrevoked, expired then. Newest end first.
 */
export async function listEndedSince(db: Db, userId: string, since: number, now: number): Promise<AppPasswordRecord[]> {
  const rows = await db
    .selectFrom('app_passwords')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('revoked_at', '>=', since),
        eb.and([eb('revoked_at', 'is', null), eb('expires_at', '<=', now), eb('expires_at', '>=', since)]),
      ]),
    )
    .execute();
  const endOf = (row: AppPasswordsTable) => row.revoked_at ?? row.expires_at;
  return rows.sort((a, b) => endOf(b) - endOf(a) || a.id.localeCompare(b.id)).map(toRecord);
}

/** An active password by id; of this owner only, unless `ownerId` is null (an administrator). */
export async function findActive(db: Db, id: string, ownerId: string | null): Promise<AppPasswordRecord | null> {
  let query = db.selectFrom('app_passwords').selectAll().where('id', '=', id).where('revoked_at', 'is', null);
  if (ownerId !== null) query = query.where('user_id', '=', ownerId);
  const row = await query.executeTakeFirst();
  return row ? toRecord(row) : null;
}

/** Writes name and assignment of a password, while it is active; false when it was revoked meanwhile. */
export async function updateNameAndAssignment(db: Db, record: AppPasswordRecord): Promise<boolean> {
  const result = await db
    .updateTable('app_passwords')
    .set({
      name: record.name,
      name_key: record.nameKey,
      application: record.application,
      assigned_at: record.assignedAt,
      assigned_by: record.assignedBy,
    })
    .where('id', '=', record.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Revokes an active password in one conditional statement: of concurrent
 * revocations, on any node, exactly one gets the row back; the others get
 * null, as for a password that does not exist.
 */
export async function revokeActive(
  db: Db,
  id: string,
  ownerId: string | null,
  revocation: { reason: RevocationReason; by: string },
  now: number,
): Promise<{ userId: string; name: string } | null> {
  let query = db
    .updateTable('app_passwords')
    .set({ revoked_at: now, revoked_reason: revocation.reason, revoked_by: revocation.by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null);
  if (ownerId !== null) query = query.where('user_id', '=', ownerId);
  const row = await query.returning(['user_id', 'name']).executeTakeFirst();
  return row ? { userId: row.user_id, name: row.name } : null;
}

export async function revokeAllOfUser(
  db: Db,
  userId: string,
  revocation: { reason: RevocationReason; by: string },
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('app_passwords')
    .set({ revoked_at: now, revoked_reason: revocation.reason, revoked_by: revocation.by })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Binds an active, unassigned password to an application; false if it was
 * assigned (or revoked) meanwhile. Returns the application it holds then.
 */
export async function bindIfUnassigned(
  db: Db,
  id: string,
  application: string,
  now: number,
): Promise<{ bound: boolean; application: string | null }> {
  const result = await db
    .updateTable('app_passwords')
    .set({ application, assigned_at: now, assigned_by: 'first-use' })
    .where('id', '=', id)
    .where('application', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return { bound: true, application };
  const row = await db.selectFrom('app_passwords').select(['application', 'revoked_at']).where('id', '=', id).executeTakeFirst();
  return { bound: false, application: row && row.revoked_at === null ? row.application : null };
}

export async function recordLastUse(db: Db, id: string, use: LastUse): Promise<void> {
  await db
    .updateTable('app_passwords')
    .set({
      last_used_at: use.at,
      last_used_ip: use.ip,
      last_used_client: use.client,
      last_used_application: use.application ?? '',
    })
    .where('id', '=', id)
    .execute();
}

/** What one Basic-auth request reads: the password found by its keyed hash, with its owner. */
export interface BasicAuthCandidate {
  id: string;
  name: string;
  application: string | null;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  userId: string;
  username: string;
  usernameKey: string;
  role: Role;
  disabledAt: number | null;
}

export interface BasicAuthRead {
  candidate: BasicAuthCandidate | null;
  /** The throttle counters of the attempt's keys, read in the same statement (the one exception to "one table per module"). */
  throttle: ThrottleReading;
  /** The auth-state version of the snapshot this was read from (repositories/auth-state.ts). */
  version: number;
}

const basicAuthStatement = preparedQuery(['secretHash', 'ipKey', 'ipUserKey', 'accountKey'] as const, (db, p) => {
  const counter = (column: 'failures' | 'blocked_until', key: string) =>
    db.selectFrom('throttle').select(column).where('throttle.key', '=', key);
  // From a one-row anchor: the counters come back even when no password has this hash, so every failure runs this one statement.
  return db
    .selectFrom(db.selectNoFrom((eb) => eb.lit(1).as('one')).as('anchor'))
    .leftJoin('app_passwords', (join) => join.on('app_passwords.secret_hash', '=', p.secretHash))
    .leftJoin('users', 'users.id', 'app_passwords.user_id')
    .select([
      'app_passwords.id',
      'app_passwords.name',
      'app_passwords.application',
      'app_passwords.expires_at',
      'app_passwords.revoked_at',
      'app_passwords.last_used_at',
      'users.id as user_id',
      'users.username',
      'users.username_key',
      'users.role',
      'users.disabled_at',
      counter('blocked_until', p.ipKey).as('ip_blocked_until'),
      counter('failures', p.ipUserKey).as('ip_user_failures'),
      counter('blocked_until', p.ipUserKey).as('ip_user_blocked_until'),
      counter('failures', p.accountKey).as('account_failures'),
      db
        .selectFrom('auth_state')
        .select('version')
        .where('auth_state.id', '=', (eb) => eb.lit(1))
        .as('auth_version'),
    ]);
});

/**
 * The hot path's one statement, prepared once: the password by its keyed
 * hash joined with its owner (null when no password has this hash), the
 * throttle counters of the attempt, in every case, and the auth-state
 * version of this same snapshot, so that a success reused later is known
 * to rest on exactly what was read here.
 */
export async function readForBasicAuth(
  db: Db,
  secretHash: string,
  keys: { ip: string; ipUser: string | null; account: string | null },
): Promise<BasicAuthRead> {
  const [row] = await basicAuthStatement(db, {
    secretHash,
    ipKey: keys.ip,
    ipUserKey: keys.ipUser ?? '',
    accountKey: keys.account ?? '',
  });
  if (!row) throw new Error('readForBasicAuth: the anchored statement returned no row');
  const present = (value: number | null, key: string | null) => (key === null || value === null ? 0 : Number(value));
  return {
    candidate:
      row.id === null || row.user_id === null
        ? null
        : {
            id: row.id,
            name: row.name!,
            application: row.application,
            expiresAt: Number(row.expires_at),
            revokedAt: row.revoked_at,
            lastUsedAt: row.last_used_at,
            userId: row.user_id,
            username: row.username!,
            usernameKey: row.username_key!,
            role: row.role!,
            disabledAt: row.disabled_at,
          },
    throttle: {
      ipBlockedUntil: present(row.ip_blocked_until, keys.ip),
      ipUserFailures: present(row.ip_user_failures, keys.ipUser),
      ipUserBlockedUntil: present(row.ip_user_blocked_until, keys.ipUser),
      accountFailures: present(row.account_failures, keys.account),
    },
    version: Number(row.auth_version),
  };
}

export type AppPasswordState = 'active' | 'expired' | 'revoked';

/** How many passwords there are per application ('' for unassigned) and state at `now` (for the metrics). */
export async function countByApplicationAndState(
  db: Db,
  now: number,
): Promise<{ application: string; state: AppPasswordState; count: number }[]> {
  const rows = await db
    .selectFrom('app_passwords')
    .select((eb) => [
      'application',
      eb
        .case()
        .when('revoked_at', 'is not', null)
        .then(eb.val<AppPasswordState>('revoked'))
        .when('expires_at', '<=', now)
        .then(eb.val<AppPasswordState>('expired'))
        .else(eb.val<AppPasswordState>('active'))
        .end()
        .as('state'),
      eb.fn.countAll<number>().as('count'),
    ])
    .groupBy(['application', 'state'])
    .execute();
  return rows.map((row) => ({ application: row.application ?? '', state: row.state, count: Number(row.count) }));
}
