/**
 * Where a request comes from, as recorded in recent connections and the
 * audit log: the client address and a bounded description of the client.
 */
import type { FastifyRequest } from 'fastify';
import { describeClient } from '../connections/connections.js';
import type { Actor } from '../audit/audit-log.js';
import { normalizeAddress } from './client-address.js';

/** The client's address (behind a trusted proxy, the forwarded one), IPv4-mapped addresses as IPv4. */
export function addressOf(request: FastifyRequest): string {
  return normalizeAddress(request.ip);
}

export function clientOf(request: FastifyRequest): string {
  return describeClient(request.headers['user-agent']);
}

export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  return { userId: principal?.userId ?? null, name: principal?.username ?? 'anonymous', ip: addressOf(request) };
}
