/**
 * GET /connections — the signed-in user's recent connections: web sign-ins,
 * app-password uses and failed attempts, newest first.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listConnections } from '../connections/connections.js';
import { ConnectionReply, ErrorReply } from './schemas.js';

export const connectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/connections',
    { schema: { response: { 200: Type.Object({ connections: Type.Array(ConnectionReply) }), '4xx': ErrorReply } } },
    async (request) => ({ connections: await listConnections(app.sesame, request.principal!.userId) }),
  );
};
