/**
 * What every WebDAV method handler gets: the services, the authenticated
 * user's store, the parsed target, and the raw request and reply. Built by
 * the surface once authentication and authorization are done.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FileStat, FileStore } from '../files/file-store.js';
import type { Services } from '../http/services.js';
import type { DavTarget } from './dav-path.js';

export interface DavRequest {
  services: Services;
  userId: string;
  store: FileStore;
  target: DavTarget;
  /** The target's database key (`/a/b`). */
  key: string;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The request body, unread. */
  body: Readable;
}

export type DavHandler = (dav: DavRequest) => Promise<void>;

/** The target's state, refusing `name/` on a file (a collection was meant). */
export async function statTarget(dav: DavRequest): Promise<FileStat | null> {
  const stat = await dav.store.stat(dav.target.segments);
  if (stat && !stat.isDirectory && dav.target.trailingSlash && dav.target.segments.length > 0) return null;
  return stat;
}

export function headerOf(dav: DavRequest, name: string): string | undefined {
  const value = dav.request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
