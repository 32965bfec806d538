/**
 * Kysely's `kysely_migration` table: the names of the migrations applied to
 * this database. Read only (the Migrator writes it, at start-up), through
 * the hot path's reader, so that a readiness check never waits behind
 * requests that hold the serving connections.
 */
import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';

const appliedStatement = preparedQuery([], (db) =>
  db.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name'),
);

export async function readAppliedMigrations(db: Db): Promise<string[]> {
  return (await appliedStatement(db, {})).map((row) => row.name);
}
