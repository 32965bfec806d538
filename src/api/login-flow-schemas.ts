/**
 * Schemas of the routes the Login Flow page of the web interface calls
 * (api/login-flow-routes.ts), kept beside the other API schemas' file so
 * that the interface's types derive from them the same way.
 */
import { Type } from '@sinclair/typebox';
import { AppPasswordReply } from './schemas.js';

/** The login token travels in a body only (never in a URL); its form is checked by the domain. */
export const LoginFlowTokenBody = Type.Object({ token: Type.String({ maxLength: 128 }) }, { additionalProperties: false });

export const LoginFlowReply = Type.Object({
  clientName: Type.String({ description: "The client's name, from its User-Agent: the name its app password will get" }),
  application: Type.String({ description: 'The application its app password will be assigned to (sync or outlook)' }),
  startedFrom: Type.String({ description: 'The address the client started the flow from' }),
  startedAt: Type.String(),
  expiresAt: Type.String(),
});

export const LoginFlowApprovedReply = Type.Object({
  appPassword: AppPasswordReply,
});
