/**
 * The files of every space as rows over a blob store: the one module that
 * keeps a space's nodes, their content, dead properties, locks and usage in
 * step. Every write runs in one transaction that first takes the space's
 * lock (its root row: a row lock on PostgreSQL, the write lock on SQLite),
 * so writes in one space follow one another, read committed data, and lock
 * further rows only in that order; the folders above a change get their new
 * size and ETag in the same transaction (one row per level, never the
 * subtree), and the root's size is the space's usage, so a quota check is
 * one comparison. Content is written to a new blob first and becomes
 * visible only when the transaction points the file at it: readers see the
 * old content or the new, never a part. A MOVE changes one row; a COPY
 * copies rows and shares the blobs (content never changes in place, so a
 * blob can back several files); a blob that loses a reference is scheduled
 * for the sweeper (blob-sweeper.ts), which removes it once nothing points at
 * it. Never touches a blob inside a transaction, and never takes a name
 * from a path without checking it (node-name.ts).
 */
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock } from '../../context.js';
import { isTransientConflict, type Db } from '../../db/database.js';
import { SesameError } from '../../errors.js';
import { scheduleChecks } from '../../repositories/blob-checks.js';
import { insertWritingBlob, markStored, renewLease, takeWritingBlob } from '../../repositories/blobs.js';
import {
  changeNodeProperties,
  copyNodeProperties,
  propertiesOfChildren,
  propertiesOfNodes,
  type DeadProperty,
  type PropertyChange,
} from '../../repositories/node-properties.js';
import {
  activeLocksOfSpace,
  deleteNodeLocks,
  extendNodeLock,
  insertNodeLock,
  type NodeLock,
} from '../../repositories/node-locks.js';
import {
  ancestorIdsOf,
  blobKeysBelow,
  chainOf,
  childrenOf,
  deleteSubtree,
  insertNodes,
  insertRootUnlessPresent,
  lockSpace,
  propagate,
  relink,
  rootOf,
  setContent,
  subtreeOf,
  walkPath,
  type FileNode,
} from '../../repositories/nodes.js';
import { EMPTY_CONTENT, newBlobKey, type BlobStore, type ByteRange, type UploadedPart } from '../blobs/blob-store.js';
import { quotaExceeded } from '../blobs/content-digest.js';
import { checkNodeName } from './node-name.js';

export type { FileNode } from '../../repositories/nodes.js';
export type { DeadProperty, PropertyChange } from '../../repositories/node-properties.js';
export type { NodeLock } from '../../repositories/node-locks.js';

/** Names from the space's root; `[]` is the root. */
export type NodePath = readonly string[];

/** Content written to the blob store and not yet a file's (stageContent → commitContent or discardStaged). */
export interface StagedContent {
  /** Null for empty content, which needs no blob. */
  key: string | null;
  size: number;
  sha1: string;
  sha256: string;
}

/**
 * Refuses a change that the locks in force forbid (by throwing): called in
 * the change's transaction, under the space's lock, with the locks that
 * cover the path it changes ('target'; for a move, also 'source') and,
 * where the change reaches below that path, the locks below it. A lock
 * taken by another request, on any node, is therefore either seen here or
 * taken after the change.
 */
export type LockCheck = (covering: LockInForce[], end: 'source' | 'target') => void;

export interface CommitOptions {
  /** The space's quota in bytes (null: none); checked against the usage counter in the commit's transaction. */
  quotaBytes: number | null;
  /** Commit only if the file exists with this ETag (FILE_CHANGED otherwise). */
  ifMatch?: string;
  /** Commit only if nothing exists at the path (FILE_CHANGED otherwise). */
  ifNoneMatch?: boolean;
  /** The file's modification time (a client's X-OC-Mtime); now by default. */
  mtime?: number;
  checkLocks?: LockCheck;
}

/** A chunked upload under way: the blob it will become and the store's multipart upload. */
export interface ChunkedUpload {
  key: string;
  uploadId: string;
}

export interface NamespaceOptions {
  /** How long a writer holds a blob it is writing; renewed every third of it while the bytes stream. */
  writeLeaseMs: number;
  /** How long a chunked upload may wait for its next chunk; each chunk starts it again. */
  chunkedUploadLeaseMs: number;
  /** How long a blob that lost a reference stays readable (downloads under way) before the sweeper may remove it. */
  dropGraceMs: number;
}

export const DEFAULT_NAMESPACE_OPTIONS: NamespaceOptions = {
  writeLeaseMs: 15 * 60_000,
  chunkedUploadLeaseMs: 24 * 60 * 60_000,
  dropGraceMs: 60 * 60_000,
};

/** A lock in force, with the path of the node it is on. */
export interface LockInForce extends NodeLock {
  path: string[];
}

export interface NewLock {
  token: string;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  owner: string;
  timeoutSeconds: number;
}

interface Lookup {
  /** The nodes along the path, root first, as far as it exists. */
  chain: FileNode[];
  /** The node at the path, or null. */
  node: FileNode | null;
  /** The folder that holds (or would hold) the path's last name, or null if there is none. */
  parent: FileNode | null;
}

function lookupOf(chain: FileNode[], path: NodePath): Lookup {
  const node = chain.length === path.length + 1 ? chain[path.length]! : null;
  const holder = path.length > 0 && chain.length >= path.length ? chain[path.length - 1]! : null;
  return { chain, node, parent: holder?.kind === 'folder' ? holder : null };
}

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** Runs of a transaction that keeps meeting others before it gives up. */
const MAX_ATTEMPTS = 20;

function newEtag(): string {
  return crypto.randomBytes(9).toString('base64url');
}

function notFound(): SesameError {
  return new SesameError('FILE_NOT_FOUND', 'Nothing exists at this path.');
}

function parentMissing(): SesameError {
  return new SesameError('FILE_PARENT_MISSING', 'The folder that should hold this does not exist.');
}

/** The path's last name (checked against the naming rules only where something new gets it). */
function lastName(path: NodePath): string {
  const name = path[path.length - 1];
  if (name === undefined)
    throw new SesameError('FILE_KIND_CONFLICT', 'The root of a space cannot be replaced, moved or removed.');
  return name;
}

function newName(path: NodePath): string {
  const name = lastName(path);
  checkNodeName(name);
  return name;
}

/** The ids of `chain`'s nodes up to the holder of the path's last name, and their size changes, applied in one statement per distinct change. */
async function applyChanges(trx: Db, changes: Map<string, number>, touched: readonly string[], now: number): Promise<void> {
  const byDelta = new Map<number, string[]>();
  for (const [id, delta] of changes) byDelta.set(delta, [...(byDelta.get(delta) ?? []), id]);
  const etag = newEtag();
  for (const [delta, ids] of byDelta) await propagate(trx, ids, { delta, etag, touched, mtime: now });
}

function addDelta(changes: Map<string, number>, nodes: readonly FileNode[], delta: number): void {
  for (const node of nodes) changes.set(node.id, (changes.get(node.id) ?? 0) + delta);
}

export class Namespace {
  private readonly options: NamespaceOptions;

  constructor(
    private readonly deps: { db: Db; blobs: BlobStore; clock: Clock },
    options: Partial<NamespaceOptions> = {},
  ) {
    this.options = { ...DEFAULT_NAMESPACE_OPTIONS, ...options };
  }

  get blobs(): BlobStore {
    return this.deps.blobs;
  }

  /**
   * Runs `work` in one transaction holding the space's lock (the root is
   * created on first use). A transaction that another one got in the way of
   * (see isTransientConflict) is run again: it has no effect outside the
   * database, so running it again is safe.
   */
  private async inSpace<T>(spaceId: string, work: (trx: Db, root: FileNode, now: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.db.transaction().execute(async (trx) => {
          let root = await lockSpace(trx, spaceId);
          if (root === null) {
            await insertRootUnlessPresent(trx, this.newNode(spaceId, null, '', 'folder'));
            root = await lockSpace(trx, spaceId);
          }
          return work(trx, root!, this.deps.clock.now());
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransientConflict(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  private newNode(spaceId: string, parentId: string | null, name: string, kind: FileNode['kind']): FileNode {
    const now = this.deps.clock.now();
    return {
      id: crypto.randomUUID(),
      spaceId,
      parentId,
      name,
      kind,
      size: 0,
      mtime: now,
      etag: newEtag(),
      sha1: kind === 'file' ? EMPTY_CONTENT.sha1 : null,
      sha256: kind === 'file' ? EMPTY_CONTENT.sha256 : null,
      blobKey: null,
      createdAt: now,
    };
  }

  // ---- Reading -------------------------------------------------------------

  /** The space's root folder (its size is the space's usage), created on first use. */
  async root(spaceId: string): Promise<FileNode> {
    const root = await rootOf(this.deps.db, spaceId);
    return root ?? this.inSpace(spaceId, async (_trx, created) => created);
  }

  /** Bytes the space's files take: one row read. */
  async usage(spaceId: string): Promise<number> {
    return (await rootOf(this.deps.db, spaceId))?.size ?? 0;
  }

  private async lookupIn(db: Db, spaceId: string, path: NodePath): Promise<Lookup> {
    // No row can hold such a name (PostgreSQL text refuses NUL): refused before the database is asked.
    const unstorable = path.find((name) => name.includes('\u0000') || UNPAIRED_SURROGATE.test(name));
    if (unstorable !== undefined) checkNodeName(unstorable);
    return lookupOf(await walkPath(db, spaceId, path), path);
  }

  /** The node at `path` with the nodes above it and the folder that holds it: one query whatever the depth. */
  async lookup(spaceId: string, path: NodePath): Promise<Lookup> {
    const found = await this.lookupIn(this.deps.db, spaceId, path);
    if (found.chain.length > 0) return found;
    await this.root(spaceId);
    return this.lookupIn(this.deps.db, spaceId, path);
  }

  async resolve(spaceId: string, path: NodePath): Promise<FileNode | null> {
    return (await this.lookup(spaceId, path)).node;
  }

  /** A folder's entries, by name: one indexed query. */
  async list(folder: FileNode): Promise<FileNode[]> {
    return childrenOf(this.deps.db, folder.id);
  }

  /** The names from the root to a node (for hrefs and lock roots). */
  async pathOf(nodeId: string): Promise<string[]> {
    return (await chainOf(this.deps.db, nodeId)).slice(1).map((node) => node.name);
  }

  /** A file's bytes, or one range of them, streamed from the blob store. */
  async read(file: FileNode, range?: ByteRange): Promise<Readable> {
    if (file.kind !== 'file') throw new SesameError('FILE_KIND_CONFLICT', 'A folder has no content to read.');
    if (file.blobKey === null) return Readable.from([]);
    return this.deps.blobs.get(file.blobKey, range);
  }

  // ---- Content -------------------------------------------------------------

  /**
   * Streams `body` into a new blob, recorded before its first byte (so a
   * crash leaves a record the sweeper finds) and held under a renewed lease
   * while it streams. Nothing is visible until commitContent.
   */
  async stageContent(body: Readable, limits: { maxBytes: number | null }): Promise<StagedContent> {
    const { db, blobs, clock } = this.deps;
    const key = newBlobKey();
    const lease = this.options.writeLeaseMs;
    await insertWritingBlob(db, key, clock.now(), clock.now() + lease);
    const renewal = setInterval(() => void renewLease(db, key, clock.now() + lease).catch(() => undefined), lease / 3);
    renewal.unref();
    try {
      const stored = await blobs.put(key, body, { maxBytes: limits.maxBytes });
      if (stored.size > 0) return stored;
      await this.discardStaged(stored);
      return { ...EMPTY_CONTENT, key: null };
    } catch (error) {
      await this.discardStaged({ key, ...EMPTY_CONTENT }).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  /**
   * Starts content that arrives in chunks (the sync clients' chunked
   * uploads): a blob recorded as being written, held for
   * `chunkedUploadLeaseMs` from each chunk, backed by the store's multipart
   * upload so that no chunk is held in memory or copied whole.
   */
  async startChunkedUpload(): Promise<ChunkedUpload> {
    const { db, blobs, clock } = this.deps;
    const key = newBlobKey();
    await insertWritingBlob(db, key, clock.now(), clock.now() + this.options.chunkedUploadLeaseMs);
    try {
      return { key, uploadId: await blobs.startMultipart(key) };
    } catch (error) {
      await takeWritingBlob(db, key).catch(() => undefined);
      throw error;
    }
  }

  private async holdChunkedUpload(upload: ChunkedUpload): Promise<void> {
    const { db, clock } = this.deps;
    if (!(await renewLease(db, upload.key, clock.now() + this.options.chunkedUploadLeaseMs))) {
      throw new SesameError('FILE_NOT_FOUND', 'This upload has ended; start it again.');
    }
  }

  /** Stores one chunk (part numbers from 1; on S3 every chunk but the last must be at least 5 MiB). */
  async putChunk(upload: ChunkedUpload, partNumber: number, body: Readable, size: number): Promise<UploadedPart> {
    await this.holdChunkedUpload(upload);
    return this.deps.blobs.putPart(upload.key, upload.uploadId, partNumber, body, size);
  }

  /** Joins the chunks into staged content, ready for commitContent. */
  async finishChunkedUpload(upload: ChunkedUpload, parts: readonly UploadedPart[]): Promise<StagedContent> {
    await this.holdChunkedUpload(upload);
    const stored = await this.deps.blobs.completeMultipart(upload.key, upload.uploadId, parts);
    if (stored.size > 0) return stored;
    await this.discardStaged(stored);
    return { ...EMPTY_CONTENT, key: null };
  }

  async abortChunkedUpload(upload: ChunkedUpload): Promise<void> {
    if (await takeWritingBlob(this.deps.db, upload.key)) await this.deps.blobs.abortMultipart(upload.key, upload.uploadId);
  }

  /** Drops staged content that will not be committed (the sweeper would, once its lease ends). */
  async discardStaged(staged: StagedContent): Promise<void> {
    if (staged.key === null) return;
    if (await takeWritingBlob(this.deps.db, staged.key)) await this.deps.blobs.delete(staged.key);
  }

  /**
   * Makes staged content the file at `path` (created, or overwritten
   * keeping its id, properties and locks), in one transaction with the
   * usage and the folders above it.
   */
  async commitContent(
    spaceId: string,
    path: NodePath,
    staged: StagedContent,
    options: CommitOptions,
  ): Promise<{ node: FileNode; created: boolean }> {
    const name = lastName(path);
    return this.inSpace(spaceId, async (trx, root, now) => {
      const found = await this.lookupIn(trx, spaceId, path);
      const { chain, node: existing, parent } = found;
      if (parent === null) throw parentMissing();
      if (existing?.kind === 'folder') throw new SesameError('FILE_KIND_CONFLICT', 'A folder exists at this path.');
      await this.checkLocksIn(trx, spaceId, found, path, { descendants: false, end: 'target', now }, options.checkLocks);
      if (options.ifMatch !== undefined && existing?.etag !== options.ifMatch) {
        throw new SesameError('FILE_CHANGED', 'The file has changed since it was read.');
      }
      if (options.ifNoneMatch && existing !== null) throw new SesameError('FILE_CHANGED', 'Something exists at this path.');
      const delta = staged.size - (existing?.size ?? 0);
      if (options.quotaBytes !== null && delta > 0 && root.size + delta > options.quotaBytes) throw quotaExceeded();
      if (staged.key !== null && !(await markStored(trx, { ...staged, key: staged.key }))) {
        throw new SesameError('STORAGE_UNAVAILABLE', 'This upload was left too long before it was saved; send it again.', {
          retryAfter: 1,
        });
      }
      const content = {
        size: staged.size,
        sha1: staged.sha1,
        sha256: staged.sha256,
        blobKey: staged.key,
        etag: newEtag(),
        mtime: options.mtime ?? now,
      };
      let node: FileNode;
      if (existing) {
        await setContent(trx, existing.id, content);
        if (existing.blobKey !== null) await scheduleChecks(trx, [existing.blobKey], now + this.options.dropGraceMs);
        node = { ...existing, ...content };
      } else {
        checkNodeName(name);
        node = { ...this.newNode(spaceId, parent.id, name, 'file'), ...content };
        await insertNodes(trx, [node]);
      }
      const changes = new Map<string, number>();
      addDelta(changes, chain.slice(0, path.length), delta);
      await applyChanges(trx, changes, existing ? [] : [parent.id], now);
      return { node, created: existing === null };
    });
  }

  /**
   * Writes a whole file: checks what can be checked before the body is
   * read (the folder holding it, a folder in the way, the quota), streams
   * the body into a blob, then commits it.
   */
  async writeFile(
    spaceId: string,
    path: NodePath,
    body: Readable,
    options: CommitOptions,
  ): Promise<{ node: FileNode; created: boolean }> {
    const name = lastName(path);
    const { node: existing, parent } = await this.lookup(spaceId, path);
    if (parent === null) throw parentMissing();
    if (existing?.kind === 'folder') throw new SesameError('FILE_KIND_CONFLICT', 'A folder exists at this path.');
    if (existing === null) checkNodeName(name);
    const maxBytes =
      options.quotaBytes === null ? null : options.quotaBytes - (await this.usage(spaceId)) + (existing?.size ?? 0);
    if (maxBytes !== null && maxBytes < 0) throw quotaExceeded();
    const staged = await this.stageContent(body, { maxBytes });
    try {
      return await this.commitContent(spaceId, path, staged, options);
    } catch (error) {
      await this.discardStaged(staged).catch(() => undefined);
      throw error;
    }
  }

  // ---- Structure -----------------------------------------------------------

  async createFolder(spaceId: string, path: NodePath, options: { checkLocks?: LockCheck } = {}): Promise<FileNode> {
    const name = newName(path);
    return this.inSpace(spaceId, async (trx, _root, now) => {
      const found = await this.lookupIn(trx, spaceId, path);
      const { chain, node: existing, parent } = found;
      if (parent === null) throw parentMissing();
      if (existing) throw new SesameError('FILE_EXISTS', 'Something already exists at this path.');
      await this.checkLocksIn(trx, spaceId, found, path, { descendants: false, end: 'target', now }, options.checkLocks);
      const folder = this.newNode(spaceId, parent.id, name, 'folder');
      await insertNodes(trx, [folder]);
      await applyChanges(trx, new Map(chain.slice(0, path.length).map((node) => [node.id, 0])), [parent.id], now);
      return folder;
    });
  }

  /** Deletes the node at `path` and everything below it; their blobs are scheduled for the sweeper. */
  async remove(spaceId: string, path: NodePath, options: { checkLocks?: LockCheck } = {}): Promise<FileNode> {
    lastName(path);
    return this.inSpace(spaceId, async (trx, _root, now) => {
      const found = await this.lookupIn(trx, spaceId, path);
      const { chain, node } = found;
      if (node === null) throw notFound();
      await this.checkLocksIn(trx, spaceId, found, path, { descendants: true, end: 'target', now }, options.checkLocks);
      await this.removeSubtree(trx, node, now);
      const changes = new Map<string, number>();
      addDelta(changes, chain.slice(0, path.length), -node.size);
      await applyChanges(trx, changes, [node.parentId!], now);
      return node;
    });
  }

  private async checkLocksIn(
    trx: Db,
    spaceId: string,
    found: { chain: FileNode[] },
    path: NodePath,
    reach: { descendants: boolean; end: 'source' | 'target'; now: number },
    check: LockCheck | undefined,
  ): Promise<void> {
    if (check === undefined) return;
    const active = await activeLocksOfSpace(trx, spaceId, reach.now);
    check(await this.locksIn(trx, active, found.chain, path, reach.descendants), reach.end);
  }

  private async removeSubtree(trx: Db, node: FileNode, now: number): Promise<void> {
    const keys = node.kind === 'file' ? (node.blobKey === null ? [] : [node.blobKey]) : await blobKeysBelow(trx, node.id);
    await deleteSubtree(trx, node.id);
    await scheduleChecks(trx, keys, now + this.options.dropGraceMs);
  }

  /**
   * Resolves both ends of a move or copy under the space lock: the source
   * (which must exist and not be the root), the destination's folder, and
   * what the destination replaces (removed when `overwrite`).
   */
  private async ends(
    trx: Db,
    spaceId: string,
    from: NodePath,
    to: NodePath,
    options: { overwrite: boolean; checkLocks?: LockCheck; move: boolean },
    now: number,
  ) {
    const name = newName(to);
    if (from.length === 0) throw new SesameError('FILE_KIND_CONFLICT', 'The root of a space cannot be moved or copied.');
    const source = await this.lookupIn(trx, spaceId, from);
    if (source.node === null) throw notFound();
    const target = await this.lookupIn(trx, spaceId, to);
    if (target.parent === null) throw parentMissing();
    // The destination's folder (or the node it replaces) must not be the source or lie below it, nor the source below it.
    if (target.chain.slice(0, to.length + 1).some((node) => node.id === source.node!.id)) {
      throw new SesameError('FILE_MOVE_INTO_ITSELF', 'A folder cannot be moved or copied into itself.');
    }
    if (options.move) {
      await this.checkLocksIn(trx, spaceId, source, from, { descendants: true, end: 'source', now }, options.checkLocks);
    }
    await this.checkLocksIn(trx, spaceId, target, to, { descendants: true, end: 'target', now }, options.checkLocks);
    let replaced: FileNode | null = null;
    if (target.node !== null) {
      if (!options.overwrite) throw new SesameError('FILE_EXISTS', 'Something already exists at the destination.');
      if (source.chain.some((node) => node.id === target.node!.id)) {
        throw new SesameError('FILE_MOVE_INTO_ITSELF', 'A folder cannot be replaced by what it holds.');
      }
      replaced = target.node;
      await this.removeSubtree(trx, replaced, now);
    }
    return { source: source.node, sourceChain: source.chain, target, name, replaced };
  }

  /**
   * Moves or renames: one row changes whatever lies below it, and the
   * folders above both ends get their new sizes and ETags. The moved node
   * keeps its id, ETag, properties and content; locks on it and below it
   * stay behind (RFC 4918: a lock does not move with the resource), which
   * here means they end.
   */
  async move(
    spaceId: string,
    from: NodePath,
    to: NodePath,
    options: { overwrite: boolean; checkLocks?: LockCheck },
  ): Promise<{ node: FileNode; replaced: FileNode | null }> {
    return this.inSpace(spaceId, async (trx, _root, now) => {
      const { source, sourceChain, target, name, replaced } = await this.ends(
        trx,
        spaceId,
        from,
        to,
        { ...options, move: true },
        now,
      );
      await this.endLocksAtOrBelow(trx, spaceId, source.id, now);
      await relink(trx, source.id, target.parent!.id, name);
      const changes = new Map<string, number>();
      addDelta(changes, sourceChain.slice(0, from.length), -source.size);
      addDelta(changes, target.chain.slice(0, to.length), source.size - (replaced?.size ?? 0));
      await applyChanges(trx, changes, [source.parentId!, target.parent!.id], now);
      return { node: { ...source, parentId: target.parent!.id, name }, replaced };
    });
  }

  /**
   * Copies a file or a folder with everything below it: new rows (new ids
   * and ETags, the same content, modification times and dead properties)
   * pointing at the same blobs, so no byte is copied. The quota counts the
   * copy's size less what it replaces.
   */
  async copy(
    spaceId: string,
    from: NodePath,
    to: NodePath,
    options: { overwrite: boolean; quotaBytes: number | null; checkLocks?: LockCheck },
  ): Promise<{ node: FileNode; replaced: FileNode | null }> {
    return this.inSpace(spaceId, async (trx, root, now) => {
      const { source, target, name, replaced } = await this.ends(trx, spaceId, from, to, { ...options, move: false }, now);
      const delta = source.size - (replaced?.size ?? 0);
      if (options.quotaBytes !== null && delta > 0 && root.size + delta > options.quotaBytes) throw quotaExceeded();
      const originals = await subtreeOf(trx, source.id);
      const idOf = new Map(originals.map((node) => [node.id, crypto.randomUUID()]));
      const copies = originals.map((node, i) => ({
        ...node,
        id: idOf.get(node.id)!,
        parentId: i === 0 ? target.parent!.id : idOf.get(node.parentId!)!,
        name: i === 0 ? name : node.name,
        etag: newEtag(),
        createdAt: now,
      }));
      await insertNodes(trx, copies);
      await copyNodeProperties(trx, idOf);
      const changes = new Map<string, number>();
      addDelta(changes, target.chain.slice(0, to.length), delta);
      await applyChanges(trx, changes, [target.parent!.id], now);
      return { node: copies[0]!, replaced };
    });
  }

  // ---- Dead properties -----------------------------------------------------

  async properties(nodeIds: readonly string[]): Promise<Map<string, DeadProperty[]>> {
    return propertiesOfNodes(this.deps.db, nodeIds);
  }

  /** The dead properties of a folder's entries: one query. */
  async propertiesOfEntries(folder: FileNode): Promise<Map<string, DeadProperty[]>> {
    return propertiesOfChildren(this.deps.db, folder.id);
  }

  /** Applies every change in order, all or nothing. */
  async changeProperties(spaceId: string, nodeId: string, changes: readonly PropertyChange[]): Promise<void> {
    await this.inSpace(spaceId, (trx) => changeNodeProperties(trx, nodeId, changes));
  }

  // ---- Locks ---------------------------------------------------------------

  private async locksIn(
    trx: Db,
    active: readonly NodeLock[],
    chain: readonly FileNode[],
    path: NodePath,
    descendants: boolean,
  ): Promise<LockInForce[]> {
    if (active.length === 0) return [];
    const target = chain.length === path.length + 1 ? chain[path.length]! : null;
    const above = new Set(chain.map((node) => node.id));
    const ancestry = descendants && target ? await ancestorIdsOf(trx, [...new Set(active.map((lock) => lock.nodeId))]) : null;
    const covering = active.filter(
      (lock) =>
        lock.nodeId === target?.id ||
        (above.has(lock.nodeId) && lock.depth === 'infinity') ||
        (ancestry !== null && target !== null && ancestry.get(lock.nodeId)!.has(target.id)),
    );
    const result: LockInForce[] = [];
    for (const lock of covering) {
      result.push({ ...lock, path: (await chainOf(trx, lock.nodeId)).slice(1).map((node) => node.name) });
    }
    return result;
  }

  /**
   * The locks in force that cover `path` (on it, or on a folder above it
   * with depth infinity) and, with `descendants`, those on anything below
   * it. Costs one indexed read when the space has no lock.
   */
  async locksCovering(spaceId: string, path: NodePath, options: { descendants: boolean }): Promise<LockInForce[]> {
    const { db, clock } = this.deps;
    const active = await activeLocksOfSpace(db, spaceId, clock.now());
    if (active.length === 0) return [];
    return this.locksIn(db, active, await walkPath(db, spaceId, path), path, options.descendants);
  }

  /**
   * Locks `path` under the space lock, so two requests cannot both find no
   * conflict: `check` sees the locks that cover it (and those below it for
   * depth infinity) and throws to refuse. A path with nothing there becomes
   * an empty file (RFC 4918 §9.10.4).
   */
  async lock(
    spaceId: string,
    path: NodePath,
    lock: NewLock,
    check: (covering: LockInForce[]) => void,
  ): Promise<{ node: FileNode; created: boolean; lock: NodeLock }> {
    return this.inSpace(spaceId, async (trx, _root, now) => {
      const found = await this.lookupIn(trx, spaceId, path);
      const active = await activeLocksOfSpace(trx, spaceId, now);
      check(await this.locksIn(trx, active, found.chain, path, lock.depth === 'infinity'));
      let node = found.node;
      let created = false;
      if (node === null) {
        const name = newName(path);
        if (found.parent === null) throw parentMissing();
        node = this.newNode(spaceId, found.parent.id, name, 'file');
        await insertNodes(trx, [node]);
        await applyChanges(trx, new Map(found.chain.slice(0, path.length).map((n) => [n.id, 0])), [found.parent.id], now);
        created = true;
      }
      const stored: NodeLock = { ...lock, nodeId: node.id, expiresAt: now + lock.timeoutSeconds * 1000 };
      await insertNodeLock(trx, spaceId, stored, now);
      return { node, created, lock: stored };
    });
  }

  /** Starts a lock's timeout again; false if no lock in force has that token. */
  async refreshLock(spaceId: string, token: string, timeoutSeconds: number): Promise<boolean> {
    const now = this.deps.clock.now();
    return extendNodeLock(this.deps.db, spaceId, token, timeoutSeconds, now + timeoutSeconds * 1000, now);
  }

  async unlock(spaceId: string, token: string): Promise<void> {
    await deleteNodeLocks(this.deps.db, spaceId, [token], this.deps.clock.now());
  }

  private async endLocksAtOrBelow(trx: Db, spaceId: string, nodeId: string, now: number): Promise<void> {
    const active = await activeLocksOfSpace(trx, spaceId, now);
    if (active.length === 0) return;
    const ancestry = await ancestorIdsOf(trx, [...new Set(active.map((lock) => lock.nodeId))]);
    const ending = active.filter((lock) => ancestry.get(lock.nodeId)!.has(nodeId)).map((lock) => lock.token);
    if (ending.length > 0) await deleteNodeLocks(trx, spaceId, ending, now);
  }
}
