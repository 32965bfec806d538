/**
 * The `users` table: every statement that reads or writes it, returning
 * UserRecord values. The one place user rows are looked up by key or id.
 * Never decides anything (rules live in accounts/); never hashes.
 */
import type { Db } from '../db/database.js';
import type { AuthSource, Role, UsersTable } from '../db/schema.js';

export interface UserRecord {
  id: string;
  username: string;
  /** PRECIS-style uniqueness key (accounts/username.ts). */
  usernameKey: string;
  role: Role;
  authSource: AuthSource;
  passwordHash: string | null;
  /** Sealed with the server key (ServerKey.sealTotpSecret). */
  sealedTotpSecret: string | null;
  totpLastStep: number | null;
  /** A TOTP secret being enrolled, sealed; null when no enrolment is under way. */
  sealedPendingTotpSecret: string | null;
  disabledAt: number | null;
  passwordChangedAt: number | null;
  createdAt: number;
}

function toRecord(row: UsersTable): UserRecord {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    role: row.role,
    authSource: row.auth_source,
    passwordHash: row.password_hash,
    sealedTotpSecret: row.totp_secret,
    totpLastStep: row.totp_last_step,
    sealedPendingTotpSecret: row.totp_pending_secret,
    disabledAt: row.disabled_at,
    passwordChangedAt: row.password_changed_at,
    createdAt: row.created_at,
  };
}

/** Inserts the user unless the key is taken (atomically, on any node); false when taken. */
export async function insertUserIfNameFree(db: Db, user: UserRecord): Promise<boolean> {
  const inserted = await db
    .insertInto('users')
    .values({
      id: user.id,
      username: user.username,
      username_key: user.usernameKey,
      role: user.role,
      auth_source: user.authSource,
      password_hash: user.passwordHash,
      totp_secret: user.sealedTotpSecret,
      totp_last_step: user.totpLastStep,
      totp_pending_secret: user.sealedPendingTotpSecret,
      disabled_at: user.disabledAt,
      password_changed_at: user.passwordChangedAt,
      created_at: user.createdAt,
    })
    .onConflict((oc) => oc.column('username_key').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findUserByKey(db: Db, usernameKey: string): Promise<UserRecord | null> {
  const row = await db.selectFrom('users').selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function findUserById(db: Db, id: string): Promise<UserRecord | null> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function listUserRecords(db: Db): Promise<UserRecord[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('username_key').execute();
  return rows.map(toRecord);
}

/** Administrator accounts, disabled ones included. */
export async function countAdminRecords(db: Db): Promise<number> {
  const { count } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * Locks the user row for the rest of the transaction (a row lock on
 * PostgreSQL, the write lock on SQLite) and returns it as it is once the
 * lock is held: changes to one user's credentials are serialised by it.
 * With `whileCredential`, only while the account is enabled and its
 * password hash is still the given one (null when not).
 */
export async function lockUser(
  db: Db,
  id: string,
  whileCredential?: { passwordHash: string | null },
): Promise<UserRecord | null> {
  let query = db
    .updateTable('users')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', id);
  if (whileCredential) {
    const hash = whileCredential.passwordHash;
    query = query.where('disabled_at', 'is', null);
    query = hash === null ? query.where('password_hash', 'is', null) : query.where('password_hash', '=', hash);
  }
  const row = await query.returningAll().executeTakeFirst();
  return row ? toRecord(row) : null;
}

/**
 * Locks every enabled administrator's row (one self-UPDATE, as lockUser)
 * and returns their ids: taken before any single row, it orders concurrent
 * disablings of administrators so that the last one is never disabled.
 */
export async function lockEnabledAdmins(db: Db): Promise<string[]> {
  const rows = await db
    .updateTable('users')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Disables the account at `at`, or enables it with null. */
export async function setDisabledAt(db: Db, id: string, at: number | null): Promise<void> {
  await db.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute();
}

export async function setRole(db: Db, id: string, role: Role): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', id).execute();
}

/** Makes the account an SSO one, as provisioned ones are: no primary password, no TOTP. */
export async function convertToSsoAccount(db: Db, id: string): Promise<void> {
  await db
    .updateTable('users')
    .set({
      auth_source: 'oidc',
      password_hash: null,
      password_changed_at: null,
      totp_secret: null,
      totp_last_step: null,
      totp_pending_secret: null,
    })
    .where('id', '=', id)
    .execute();
}

export async function setPasswordHash(db: Db, id: string, passwordHash: string, at: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: at }).where('id', '=', id).execute();
}

/** Records a matched TOTP step atomically across nodes; false when it, or a later one, was already used. */
export async function consumeTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Sets (or clears) the active TOTP secret; any enrolment under way ends. */
export async function setSealedTotpSecret(
  db: Db,
  id: string,
  sealed: string | null,
  lastStep: number | null = null,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret: sealed, totp_last_step: lastStep, totp_pending_secret: null })
    .where('id', '=', id)
    .execute();
}

export async function setSealedPendingTotpSecret(db: Db, id: string, sealed: string): Promise<void> {
  await db.updateTable('users').set({ totp_pending_secret: sealed }).where('id', '=', id).execute();
}
