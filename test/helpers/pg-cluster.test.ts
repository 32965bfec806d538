// Checks that the runner's throwaway cluster (SESAME_TEST_PG_URL) is a real
// PostgreSQL 15+ server on which the suite can create its own databases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';

function testPgUrl(): string {
  const url = process.env.SESAME_TEST_PG_URL;
  if (!url) {
    assert.fail('SESAME_TEST_PG_URL is not set: run the suite with npm test, which starts PostgreSQL');
  }
  return url;
}

test('the test PostgreSQL cluster is PostgreSQL 15+ and allows CREATE DATABASE', async () => {
  const client = new pg.Client({ connectionString: testPgUrl() });
  await client.connect();
  try {
    const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    const versionNum = Number(version.rows[0]?.server_version_num);
    assert.ok(versionNum >= 150000, `expected PostgreSQL 15 or later, got server_version_num ${versionNum}`);

    const dbName = `sesame_cluster_check_${process.pid}_${Date.now()}`;
    await client.query(`CREATE DATABASE ${dbName}`);
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
      assert.equal(found.rowCount, 1);
    } finally {
      await client.query(`DROP DATABASE ${dbName}`);
    }
  } finally {
    await client.end();
  }
});
