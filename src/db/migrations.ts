/**
 * The one migration set, run by Kysely's Migrator at start-up on SQLite and
 * PostgreSQL alike. Only portable column types are used (text, integer,
 * bigint); a migration, once released, is never edited.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { authStateVersion } from './auth-state-version.js';
import { filesNamespace } from './files-namespace.js';
import { rekeyUsernames } from './rekey-usernames.js';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('username_key', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('auth_source', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('totp_secret', 'text')
      .addColumn('totp_last_step', 'bigint')
      .addColumn('disabled_at', 'bigint')
      .addColumn('password_changed_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('app_passwords')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('application', 'text')
      .addColumn('assigned_at', 'bigint')
      .addColumn('assigned_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('revoked_reason', 'text')
      .addColumn('last_used_at', 'bigint')
      .addColumn('last_used_ip', 'text')
      .addColumn('last_used_client', 'text')
      .addColumn('last_used_application', 'text')
      .execute();
    await db.schema.createIndex('app_passwords_user').on('app_passwords').column('user_id').execute();
    await db.schema
      .createIndex('app_passwords_active_name')
      .on('app_passwords')
      .columns(['user_id', 'name_key'])
      .unique()
      .where(sql.ref('revoked_at'), 'is', null)
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('connections')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username_key', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('credential', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('connections_aggregate')
      .on('connections')
      .columns(['username_key', 'credential', 'method', 'application', 'ip', 'client', 'outcome'])
      .unique()
      .execute();
    await db.schema.createIndex('connections_user_recent').on('connections').columns(['user_id', 'last_seen']).execute();

    await db.schema
      .createTable('throttle')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('blocked_until', 'bigint', (c) => c.notNull())
      .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_user_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_user_id', 'text')
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();

    await db.schema
      .createTable('policy')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

/** WebDAV state that is not file content: locks, dead properties, stable file ids. */
const webdav: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('dav_locks')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('depth', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('dav_locks_user_path').on('dav_locks').columns(['user_id', 'path']).execute();

    await db.schema
      .createTable('dav_properties')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dav_properties_pk', ['user_id', 'path', 'namespace', 'name'])
      .execute();

    await db.schema
      .createTable('file_ids')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addPrimaryKeyConstraint('file_ids_pk', ['user_id', 'path'])
      .execute();
  },
};

/** Audit entries get the client apart from the actor, and a (time, id) index for paging. */
const auditClientAndCursor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('audit_log')
      .addColumn('client', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('audit_log_at_id').on('audit_log').columns(['at', 'id']).execute();
  },
};

/** Two-factor sign-in: a TOTP secret pending confirmation, and single-use recovery codes stored as keyed hashes. */
const strongSignIn: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('totp_pending_secret', 'text').execute();
    await db.schema
      .createTable('recovery_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('recovery_codes_user_code')
      .on('recovery_codes')
      .columns(['user_id', 'code_hash'])
      .unique()
      .execute();
  },
};

/**
 * Single sign-on: who an SSO account is at its provider (issuer,
 * subject) with its sealed refresh token and re-check lease; the login
 * states of sign-ins under way (any node may receive the callback); and,
 * per web session opened by SSO, the provider's session id (back-channel
 * logout) and sealed ID token (RP-initiated logout).
 */
const oidc: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oidc_accounts')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('refresh_token', 'text')
      .addColumn('last_checked_at', 'bigint')
      .addColumn('recheck_lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('oidc_accounts_identity', ['issuer', 'subject'])
      .execute();

    await db.schema
      .createTable('oidc_login_states')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('return_to', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_login_states_expiry').on('oidc_login_states').column('expires_at').execute();

    await db.schema
      .createTable('oidc_sessions')
      .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('sid', 'text')
      .addColumn('id_token', 'text')
      .execute();
    await db.schema.createIndex('oidc_sessions_user').on('oidc_sessions').column('user_id').execute();
    await db.schema.createIndex('oidc_sessions_sid').on('oidc_sessions').column('sid').execute();
  },
};

/** Every existing user's key recomputed as RFC 8265 UsernameCaseMapped (see db/rekey-usernames.ts). */
const usernameKeys: Migration = { up: rekeyUsernames };

/**
 * What the owner of an account is told and kept: why a failed use of one of
 * their passwords was refused (never told to the client), and who revoked a
 * password, for its history.
 */
const failureReasonsAndRevoker: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').addColumn('reason', 'text').execute();
    await db.schema.alterTable('app_passwords').addColumn('revoked_by', 'text').execute();
  },
};

/** In order; a released migration is never changed, only followed by new ones. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '002_audit_client': auditClientAndCursor,
  '003_webdav': webdav,
  '004_strong_sign_in': strongSignIn,
  '005_username_keys': usernameKeys,
  '006_oidc': oidc,
  '007_auth_state_version': authStateVersion,
  '008_failure_reasons': failureReasonsAndRevoker,
  '009_files_namespace': filesNamespace,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
