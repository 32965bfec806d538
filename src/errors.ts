/**
 * The one error type of Sésame. Every refusal a caller can act on carries a
 * stable `code` (listed in docs/API.md) and the HTTP status it maps to.
 * Messages are for people and must never contain a secret.
 */

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  NAME_REQUIRED: 400,
  NAME_TOO_LONG: 400,
  NAME_INVALID_CHARACTERS: 400,
  NAME_TAKEN: 409,
  UNKNOWN_APPLICATION: 400,
  TOO_MANY_APP_PASSWORDS: 409,
  EXPIRY_OUT_OF_RANGE: 400,
  APP_PASSWORD_NOT_FOUND: 404,
  CREDENTIALS_IN_QUERY: 400,
  CLIENT_ADDRESS_INVALID: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_CODE_INVALID: 403,
  TOTP_NOT_LOCAL: 409,
  TOTP_ALREADY_ENABLED: 409,
  TOTP_NOT_PENDING: 409,
  TOTP_NOT_ENABLED: 409,
  TWO_FACTOR_ENROLMENT_REQUIRED: 403,
  CSRF_TOKEN_INVALID: 403,
  FORBIDDEN: 403,
  THROTTLED: 429,
  PASSWORD_TOO_SHORT: 400,
  PASSWORD_TOO_LONG: 400,
  CURRENT_PASSWORD_WRONG: 403,
  PASSWORD_NOT_LOCAL: 409,
  USERNAME_INVALID: 400,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  CANNOT_DISABLE_SELF: 409,
  LAST_ADMIN: 409,
  POLICY_INVALID: 400,
  NOT_FOUND: 404,
  // Single sign-on (OpenID Connect); the browser flow carries these to /signin?sso_error=CODE (docs/sso.md).
  SSO_NOT_CONFIGURED: 404,
  SSO_LOGIN_EXPIRED: 400,
  SSO_CANCELLED: 400,
  SSO_FAILED: 502,
  SSO_UNAVAILABLE: 503,
  SSO_DOMAIN_NOT_ALLOWED: 403,
  SSO_ACCOUNT_DISABLED: 403,
  SSO_IDENTITY_TAKEN: 409,
  ALREADY_SSO: 409,
  LOGOUT_TOKEN_INVALID: 400,
  // WebDAV (/dav/); docs/webdav.md lists the RFC 4918 precondition each one carries.
  DAV_PATH_INVALID: 400,
  DAV_NAME_UNSUPPORTED: 400,
  DAV_XML_INVALID: 400,
  DAV_HEADER_INVALID: 400,
  DAV_DESTINATION_FORBIDDEN: 403,
  DAV_DESTINATION_OTHER_SERVER: 502,
  DAV_DEPTH_INFINITY: 403,
  DAV_FORBIDDEN: 403,
  DAV_NOT_FOUND: 404,
  DAV_METHOD_NOT_ALLOWED: 405,
  DAV_CONFLICT: 409,
  DAV_LOCK_TOKEN_MISMATCH: 409,
  DAV_PRECONDITION_FAILED: 412,
  DAV_BODY_TOO_LARGE: 413,
  DAV_URI_TOO_LONG: 414,
  DAV_MEDIA_TYPE_UNSUPPORTED: 415,
  DAV_RANGE_NOT_SATISFIABLE: 416,
  DAV_LOCKED: 423,
  DAV_LOCK_TOKEN_NOT_SUBMITTED: 423,
  DAV_INSUFFICIENT_STORAGE: 507,
  // The files' namespace and blob stores (files/namespace, files/blobs); surfaces map them to their own answers.
  FILE_NAME_INVALID: 400,
  FILE_NOT_FOUND: 404,
  FILE_PARENT_MISSING: 409,
  FILE_EXISTS: 409,
  FILE_KIND_CONFLICT: 409,
  FILE_MOVE_INTO_ITSELF: 409,
  FILE_CHANGED: 412,
  QUOTA_EXCEEDED: 507,
  BLOB_STORE_FULL: 507,
  STORAGE_UNAVAILABLE: 503,
  BLOB_MISSING: 500,
  URL_INVALID: 400,
  REQUEST_INVALID: 400,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  BODY_INVALID_JSON: 400,
  BODY_INVALID_UTF8: 400,
  BODY_UNPAIRED_SURROGATE: 400,
  BODY_TOO_LARGE: 413,
  MEDIA_TYPE_UNSUPPORTED: 415,
  CHARSET_UNSUPPORTED: 415,
  // The server's own state cannot be read or written now: 503 with Retry-After, never a refusal of credentials.
  DATABASE_UNAVAILABLE: 503,
  STORAGE_FULL: 503,
  CONFIG_INVALID: 500,
  SECRET_KEY_MISMATCH: 500,
  SECRET_KEY_MISSING: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class SesameError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait (THROTTLED, DATABASE_UNAVAILABLE, STORAGE_FULL, STORAGE_UNAVAILABLE): sent as Retry-After. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SesameError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

export function isSesameError(value: unknown, code?: ErrorCode): value is SesameError {
  return value instanceof SesameError && (code === undefined || value.code === code);
}
