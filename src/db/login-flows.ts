/**
 * Migration 010_login_flows: Login Flow v2 requests under way. A row is
 * found by the keyed hash of its poll token (the client's) or of its login
 * token (the browser's); neither token is stored. `public_key` is the
 * X25519 public key derived from the poll token: the approval seals the new
 * app password to it (`sealed_password`), so only the holder of the poll
 * token can open it, and the row is deleted when it is handed over.
 * `started_network` (the client address's throttling unit) bounds the flows
 * one address may have under way. Only portable types.
 */
import type { Kysely, Migration } from 'kysely';

export const loginFlows: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('login_flows')
      .addColumn('poll_token_hash', 'text', (c) => c.primaryKey())
      .addColumn('login_token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('client_name', 'text', (c) => c.notNull())
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('started_ip', 'text', (c) => c.notNull())
      .addColumn('started_network', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('login_name', 'text')
      .addColumn('app_password_id', 'text')
      .addColumn('sealed_password', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_flows_expiry').on('login_flows').column('expires_at').execute();
    await db.schema.createIndex('login_flows_network').on('login_flows').columns(['started_network', 'expires_at']).execute();
  },
};
