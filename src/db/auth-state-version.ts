/**
 * Migration 007: the auth-state version, one counter that the database
 * itself bumps, by triggers, in the same transaction as every write that
 * can change the outcome of a Basic-auth check (auth/verified-credentials.ts
 * reuses a verified credential only while it has not moved). Triggers, not
 * application code, so that no write path — CLI, another node, a future
 * module — can forget. Must never watch the coalesced last-use columns:
 * those are written once a minute per password and would empty the cache.
 * Frozen once released, like every migration.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

type Watched = { table: string; operation: 'INSERT' | 'DELETE' } | { table: string; operation: 'UPDATE'; columns: string[] };

/** Every write that can change a Basic-auth outcome; the policy does not (app passwords are checked without it). */
export const AUTH_STATE_WATCHED: readonly Watched[] = [
  { table: 'users', operation: 'INSERT' },
  { table: 'users', operation: 'DELETE' },
  {
    table: 'users',
    operation: 'UPDATE',
    columns: ['username', 'username_key', 'role', 'auth_source', 'disabled_at', 'password_hash', 'password_changed_at'],
  },
  { table: 'app_passwords', operation: 'INSERT' },
  { table: 'app_passwords', operation: 'DELETE' },
  {
    table: 'app_passwords',
    operation: 'UPDATE',
    columns: ['user_id', 'secret_hash', 'application', 'expires_at', 'revoked_at'],
  },
  { table: 'oidc_accounts', operation: 'INSERT' },
  { table: 'oidc_accounts', operation: 'DELETE' },
  { table: 'oidc_accounts', operation: 'UPDATE', columns: ['user_id', 'issuer', 'subject'] },
  // Any throttle write: a cached success was verified with clean counters, which a failure anywhere may have changed.
  { table: 'throttle', operation: 'INSERT' },
  { table: 'throttle', operation: 'DELETE' },
  { table: 'throttle', operation: 'UPDATE', columns: ['failures', 'blocked_until', 'last_failure_at'] },
];

function triggerName(watched: Watched): string {
  return `auth_state_on_${watched.table}_${watched.operation.toLowerCase()}`;
}

function event(watched: Watched): string {
  return watched.operation === 'UPDATE' ? `UPDATE OF ${watched.columns.join(', ')}` : watched.operation;
}

/**
 * SQLite runs the bump inside the writing statement. PostgreSQL runs it as a
 * deferred constraint trigger, at commit: the version row is locked only
 * at the very end of a transaction, after every other row it writes, so
 * transactions never wait on it while holding a lock another one needs.
 */
export const authStateVersion: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('auth_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await sql`INSERT INTO auth_state (id, version) VALUES (1, 0)`.execute(db);
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    if (postgres) {
      await sql`CREATE FUNCTION sesame_bump_auth_state() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE auth_state SET version = version + 1 WHERE id = 1; RETURN NULL; END $$`.execute(db);
    }
    for (const watched of AUTH_STATE_WATCHED) {
      const name = sql.id(triggerName(watched));
      const on = sql.raw(`AFTER ${event(watched)} ON ${watched.table}`);
      await (
        postgres
          ? sql`CREATE CONSTRAINT TRIGGER ${name} ${on} DEFERRABLE INITIALLY DEFERRED
              FOR EACH ROW EXECUTE FUNCTION sesame_bump_auth_state()`
          : sql`CREATE TRIGGER ${name} ${on} FOR EACH ROW BEGIN UPDATE auth_state SET version = version + 1 WHERE id = 1; END`
      ).execute(db);
    }
  },
};
