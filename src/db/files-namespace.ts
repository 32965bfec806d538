/**
 * Migration 009_files_namespace: the files' namespace as rows, beside the
 * blobs that hold their bytes. `nodes` has one row per file and folder of a
 * space (the root: no parent, empty name) with an id that never changes (the
 * sync surface's `oc:fileid`); a folder's size is the total of what lies
 * below it, so the root's size is the space's usage. `blobs` records every
 * blob from before its first byte is written (state `writing`, under a
 * lease) until it is removed; `blob_checks` lists blobs that lost a
 * reference and are due to be checked by the sweeper. Dead properties and
 * locks belong to nodes and go with them. Only portable types and
 * constraints (the partial unique index is both dialects' syntax).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const filesNamespace: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('blobs')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint')
      .addColumn('sha1', 'text')
      .addColumn('sha256', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('blobs_state_lease').on('blobs').columns(['state', 'lease_until']).execute();

    await db.schema
      .createTable('nodes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('space_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('parent_id', 'text', (c) => c.references('nodes.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('mtime', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('sha1', 'text')
      .addColumn('sha256', 'text')
      .addColumn('blob_key', 'text', (c) => c.references('blobs.key'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // A folder's listing is one range of this index; names are unique within a folder.
    await db.schema.createIndex('nodes_parent_name').on('nodes').columns(['parent_id', 'name']).unique().execute();
    await db.schema
      .createIndex('nodes_space_root')
      .on('nodes')
      .column('space_id')
      .unique()
      .where(sql.ref('parent_id'), 'is', null)
      .execute();
    await db.schema.createIndex('nodes_space').on('nodes').column('space_id').execute();
    // The sweeper asks "does any node still point at this blob?".
    await db.schema.createIndex('nodes_blob').on('nodes').column('blob_key').execute();

    await db.schema
      .createTable('blob_checks')
      .addColumn('blob_key', 'text', (c) => c.primaryKey())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('blob_checks_due').on('blob_checks').column('due_at').execute();

    await db.schema
      .createTable('node_properties')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_properties_pk', ['node_id', 'namespace', 'name'])
      .execute();

    await db.schema
      .createTable('node_locks')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('space_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('depth', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('node_locks_space').on('node_locks').columns(['space_id', 'expires_at']).execute();
    await db.schema.createIndex('node_locks_node').on('node_locks').column('node_id').execute();
  },
};
