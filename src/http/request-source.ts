/**
 * Where a request comes from, as recorded in recent connections and the
 * audit log: the client address and a bounded description of the client.
 */
import type { FastifyRequest } from 'fastify';
import { describeClient } from '../connections/connections.js';
import type { Actor } from '../audit/audit-log.js';

export function clientOf(request: FastifyRequest): string {
  return describeClient(request.headers['user-agent']);
}

export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  return { userId: principal?.userId ?? null, name: principal?.username ?? 'anonymous', ip: request.ip };
}
