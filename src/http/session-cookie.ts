/**
 * The web session cookie, set and cleared the one way: HttpOnly,
 * SameSite=Lax, and `Secure` with the `__Host-` name under https.
 */
import type { FastifyReply } from 'fastify';
import '@fastify/cookie';
import { sessionCookieName, usesSecureCookies, type AuthServices } from '../auth/http-auth.js';

export function setSessionCookie(reply: FastifyReply, services: AuthServices, token: string, expiresAt: number): void {
  reply.setCookie(sessionCookieName(services), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: usesSecureCookies(services),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, services: AuthServices): void {
  reply.clearCookie(sessionCookieName(services), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: usesSecureCookies(services),
  });
}
