/**
 * The `policy` table: one JSON value per setting. Validation and defaults
 * are the policy module's; this one only reads and writes values.
 */
import type { Db } from '../db/database.js';

export async function readPolicyValues(db: Db): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('policy').select(['key', 'value']).execute();
  return new Map(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
}

export async function writePolicyValue(db: Db, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('policy')
    .values({ key, value: json })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json }))
    .execute();
}
