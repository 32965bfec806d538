/**
 * A process that streams an upload into the namespace and never finishes
 * it, for tests to kill with SIGKILL in the middle (a crashed upload).
 * Reads SESAME_CHILD (JSON: database URL or data directory, the blob store
 * configuration, the write lease) and prints `streaming` once 40 MiB have
 * gone into the store.
 */
import { Readable } from 'node:stream';
import { openDatabase } from '../../src/db/database.js';
import { openBlobStore } from '../../src/files/blobs/open-blob-store.js';
import { Namespace } from '../../src/files/namespace/namespace.js';
import type { BlobStoreConfig } from '../../src/config/config.js';
import { systemClock } from '../../src/context.js';

interface ChildSetup {
  databaseUrl?: string;
  dataDir: string;
  blobStore: BlobStoreConfig & { endpoint?: string | URL | null };
  writeLeaseMs: number;
}

const setup = JSON.parse(process.env.SESAME_CHILD ?? '{}') as ChildSetup;
const blobStore: BlobStoreConfig =
  setup.blobStore.kind === 's3' ? { ...setup.blobStore, endpoint: new URL(String(setup.blobStore.endpoint)) } : { kind: 'local' };
const db = await openDatabase({ databaseUrl: setup.databaseUrl, dataDir: setup.dataDir });
const ns = new Namespace(
  { db, blobs: openBlobStore({ dataDir: setup.dataDir, blobStore }), clock: systemClock },
  { writeLeaseMs: setup.writeLeaseMs },
);
const chunk = Buffer.alloc(1024 * 1024, 7);
let sent = 0;
const endless = new Readable({
  read() {
    sent++;
    if (sent === 40) process.stdout.write('streaming\n');
    this.push(chunk);
  },
});
await ns.stageContent(endless, { maxBytes: null });
