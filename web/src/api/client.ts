/**
 * The UI's client of the JSON API: one function per route, typed from the
 * server's schemas. It keeps the session's CSRF token in memory and sends
 * it on state-changing requests; every failure becomes an ApiError with the
 * API's stable code. It must never keep an app password it has returned.
 */
import type {
  AdminSso,
  AdminUser,
  AppPassword,
  AppPasswordList,
  Application,
  AuditPage,
  AuditQuery,
  ChangePasswordBody,
  ChangePasswordReply,
  Connection,
  CreateAppPasswordBody,
  CreatedAppPassword,
  CreateUserBody,
  ErrorReply,
  MeReply,
  Policy,
  PolicyBody,
  RecoveryCodes,
  SessionReply,
  SignInBody,
  SignOutReply,
  SsoStatus,
  TotpEnrolment,
  UpdateAppPasswordBody,
  User,
} from './types.js';
import type { ErrorCode } from '../../../src/errors.js';

/** A failure's code: one of the server's stable codes, or NETWORK when no answer came. */
export type FailureCode = ErrorCode | 'NETWORK';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: FailureCode,
    message: string,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onUnauthenticated: () => void = () => {};
let onEnrolmentRequired: () => void = () => {};

/** Called when a request made with the session gets 401: the session has ended. */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/** Called when a request gets 403 TWO_FACTOR_ENROLMENT_REQUIRED: the policy holds the session to enrolment. */
export function whenEnrolmentRequired(handler: () => void): void {
  onEnrolmentRequired = handler;
}

function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && 'error' in value;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (failure) {
    if (signal?.aborted) throw failure;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached.');
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) return payload as T;
  // A gateway's own error page (the server behind it stopped) is no answer of Sésame's.
  const code: FailureCode = isErrorReply(payload)
    ? (payload.error.code as ErrorCode)
    : response.status >= 502
      ? 'NETWORK'
      : 'INTERNAL';
  const message = isErrorReply(payload) ? payload.error.message : response.statusText;
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  const error = new ApiError(response.status, code, message, Number.isFinite(retryAfter) ? retryAfter : undefined);
  if (code === 'UNAUTHENTICATED') {
    csrfToken = undefined;
    onUnauthenticated();
  }
  if (code === 'TWO_FACTOR_ENROLMENT_REQUIRED') onEnrolmentRequired();
  throw error;
}

export const api = {
  async signIn(body: SignInBody): Promise<SessionReply> {
    const reply = await call<SessionReply>('POST', '/session', body);
    csrfToken = reply.csrfToken;
    return reply;
  },
  /** Ends the session; for an SSO account whose provider logs out too, the provider's logout address to go to. */
  async signOut(): Promise<string | undefined> {
    const reply = await call<SignOutReply | undefined>('DELETE', '/session');
    csrfToken = undefined;
    return reply?.logoutUrl;
  },
  async me(): Promise<MeReply> {
    const reply = await call<MeReply>('GET', '/me');
    csrfToken = reply.csrfToken;
    return reply;
  },
  changePassword: (body: ChangePasswordBody) => call<ChangePasswordReply>('PUT', '/me/password', body),
  startTotp: () => call<TotpEnrolment>('POST', '/me/totp'),
  confirmTotp: (code: string) => call<RecoveryCodes>('POST', '/me/totp/confirm', { code }),
  regenerateRecoveryCodes: (code: string) => call<RecoveryCodes>('POST', '/me/recovery-codes', { code }),
  disableTotp: (code: string) => call<void>('DELETE', '/me/totp', { code }),
  applications: (signal?: AbortSignal) => call<{ applications: Application[] }>('GET', '/applications', undefined, signal),
  appPasswords: (signal?: AbortSignal) => call<AppPasswordList>('GET', '/app-passwords', undefined, signal),
  createAppPassword: (body: CreateAppPasswordBody) => call<CreatedAppPassword>('POST', '/app-passwords', body),
  updateAppPassword: (id: string, body: UpdateAppPasswordBody) =>
    call<{ appPassword: AppPassword }>('PATCH', `/app-passwords/${encodeURIComponent(id)}`, body),
  deleteAppPassword: (id: string) => call<void>('DELETE', `/app-passwords/${encodeURIComponent(id)}`),
  connections: (signal?: AbortSignal) => call<{ connections: Connection[] }>('GET', '/connections', undefined, signal),
  users: (signal?: AbortSignal) => call<{ users: AdminUser[] }>('GET', '/admin/users', undefined, signal),
  createUser: (body: CreateUserBody) => call<{ user: User }>('POST', '/admin/users', body),
  disableUser: (id: string) => call<{ user: User }>('POST', `/admin/users/${encodeURIComponent(id)}/disable`),
  enableUser: (id: string) => call<{ user: User }>('POST', `/admin/users/${encodeURIComponent(id)}/enable`),
  linkSsoIdentity: (id: string, subject: string) =>
    call<{ user: User }>('PUT', `/admin/users/${encodeURIComponent(id)}/sso-identity`, { subject }),
  userAppPasswords: (id: string, signal?: AbortSignal) =>
    call<{ appPasswords: AppPassword[] }>('GET', `/admin/users/${encodeURIComponent(id)}/app-passwords`, undefined, signal),
  resetTwoFactor: (id: string) => call<{ user: User }>('POST', `/admin/users/${encodeURIComponent(id)}/two-factor/reset`),
  revokeAppPassword: (id: string) => call<void>('DELETE', `/admin/app-passwords/${encodeURIComponent(id)}`),
  sso: (signal?: AbortSignal) => call<SsoStatus>('GET', '/sso', undefined, signal),
  adminSso: (signal?: AbortSignal) => call<AdminSso>('GET', '/admin/sso', undefined, signal),
  policy: (signal?: AbortSignal) => call<Policy>('GET', '/admin/policy', undefined, signal),
  updatePolicy: (body: PolicyBody) => call<Policy>('PUT', '/admin/policy', body),
  audit: (query: AuditQuery, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    if (query.action !== undefined) params.set('action', query.action);
    if (query.user !== undefined) params.set('user', query.user);
    const search = params.toString();
    return call<AuditPage>('GET', `/admin/audit${search ? `?${search}` : ''}`, undefined, signal);
  },
};
