/**
 * Request and reply schemas of the JSON API (TypeBox), shared by routes and
 * by the generated API documentation. Bounds here are generous outer
 * limits; the domain applies the exact rules and their error codes.
 */
import { Type } from '@sinclair/typebox';
import { NO_CONTROL_CHARACTERS } from '../http/validation.js';
import { FAILURE_REASONS, type FailureReason } from '../db/schema.js';

export const ErrorReply = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const UserReply = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  authSource: Type.Union([Type.Literal('local'), Type.Literal('oidc')]),
  twoFactor: Type.Boolean(),
  disabled: Type.Boolean(),
  createdAt: Type.String({ description: 'ISO 8601 with offset' }),
});

export const AdminUserReply = Type.Composite([
  UserReply,
  Type.Object({
    lastSignInAt: Type.Union([Type.String(), Type.Null()], { description: 'The last successful web sign-in; null: never' }),
  }),
]);

/**
 * Text that reaches the database (names, ids, codes): control characters,
 * NUL included, are refused here, so that SQLite and PostgreSQL (which
 * cannot store NUL) give the same 400.
 */
const Text = (maxLength: number) => Type.String({ maxLength, pattern: NO_CONTROL_CHARACTERS });
/** A password is only ever hashed or compared, never stored as text: any character is allowed. */
const Password = (maxLength: number) => Type.String({ maxLength });

export const SignInBody = Type.Object(
  { username: Text(256), password: Password(4096), totp: Type.Optional(Text(32)) },
  { additionalProperties: false },
);

export const SessionReply = Type.Object({
  user: UserReply,
  csrfToken: Type.String(),
  expiresAt: Type.String(),
});

export const SignOutReply = Type.Object({
  logoutUrl: Type.String({ description: "The identity provider's logout page: navigate there to end its session too" }),
});

export const MeReply = Type.Object({
  user: UserReply,
  via: Type.Union([Type.Literal('session'), Type.Literal('app-password'), Type.Literal('primary-password')]),
  csrfToken: Type.Optional(Type.String()),
  signInMethod: Type.Union([Type.Literal('password'), Type.Literal('sso')], {
    description: 'How the account signs in on the web: an SSO account has no password to change and no TOTP',
  }),
  totpEnabled: Type.Boolean(),
  twoFactorEnrolmentRequired: Type.Boolean({
    description:
      'The policy requires 2FA of this local account, which has none: the session reaches only enrolment (403 TWO_FACTOR_ENROLMENT_REQUIRED elsewhere)',
  }),
});

export const SecondFactorCodeBody = Type.Object(
  {
    code: Type.String({
      maxLength: 32,
      pattern: NO_CONTROL_CHARACTERS,
      description: 'A TOTP code, or (except to confirm enrolment) a recovery code',
    }),
  },
  { additionalProperties: false },
);

export const TotpEnrolmentReply = Type.Object({
  secret: Type.String({ description: 'Base32 secret, to type into an authenticator app' }),
  otpauthUri: Type.String(),
  qrCodeSvg: Type.String({ description: 'The otpauth URI as a QR code (SVG document), made on the server' }),
});

export const RecoveryCodesReply = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Shown this once; each works once' }),
});

export const ChangePasswordBody = Type.Object(
  { currentPassword: Password(4096), newPassword: Password(4096) },
  { additionalProperties: false },
);

export const ChangePasswordReply = Type.Object({ revokedAppPasswords: Type.Integer() });

export const AppPasswordReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  application: Type.Union([Type.String(), Type.Null()]),
  assignedBy: Type.Union([Type.Literal('user'), Type.Literal('first-use'), Type.Null()]),
  createdAt: Type.String(),
  expiresAt: Type.String({ description: 'ISO 8601 with offset, e.g. 2025-09-06T11:40:22+00:00' }),
  expired: Type.Boolean(),
  lastUsed: Type.Union([
    Type.Object({
      at: Type.String(),
      ip: Type.String(),
      client: Type.String(),
      application: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

export const EndedAppPasswordReply = Type.Composite([
  AppPasswordReply,
  Type.Object({
    ended: Type.Object({
      at: Type.String(),
      reason: Type.Union([
        Type.Literal('deleted'),
        Type.Literal('admin'),
        Type.Literal('password-changed'),
        Type.Literal('expired'),
      ]),
      by: Type.Union([Type.String(), Type.Null()], {
        description:
          "Who ended it: the owner's or an administrator's username, 'cli', or 'system' (an expiry); null if not recorded",
      }),
    }),
  }),
]);

export const AppPasswordListReply = Type.Object({
  appPasswords: Type.Array(AppPasswordReply, { description: 'Not revoked (expired ones included, marked expired)' }),
  history: Type.Array(EndedAppPasswordReply, { description: 'Revoked, deleted or expired in the last 90 days, newest first' }),
  limits: Type.Object({
    active: Type.Integer({ description: 'Passwords neither revoked nor expired' }),
    maxActive: Type.Integer(),
    lifetimeDays: Type.Integer({ description: 'The default and the longest lifetime of a new password' }),
  }),
});

export const CreateAppPasswordBody = Type.Object(
  {
    name: Text(1024),
    application: Type.Optional(Type.Union([Type.Null(), Text(64)])),
    expiresInDays: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const CreatedAppPasswordReply = Type.Object({
  appPassword: AppPasswordReply,
  password: Type.String({ description: 'The secret, shown this once and never again' }),
});

export const UpdateAppPasswordBody = Type.Object(
  { name: Type.Optional(Text(1024)), application: Type.Optional(Type.Union([Type.Null(), Text(64)])) },
  { additionalProperties: false, minProperties: 1 },
);

export const IdParams = Type.Object({ id: Text(64) });

export const ApplicationParams = Type.Object({ application: Text(64) });

export const ConnectionReply = Type.Object({
  id: Type.String(),
  method: Type.String(),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  application: Type.Union([Type.String(), Type.Null()]),
  ip: Type.String(),
  client: Type.String(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  count: Type.Integer(),
  reason: Type.Union(
    [Type.Unsafe<FailureReason>(Type.Union(FAILURE_REASONS.map((reason) => Type.Literal(reason)))), Type.Null()],
    {
      description: "Why a failed use was refused, told to the account's owner only (the client got the same 401)",
    },
  ),
  appPassword: Type.Union([
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      active: Type.Boolean({ description: 'False once the password is revoked, deleted or expired' }),
    }),
    Type.Null(),
  ]),
});

export const ApplicationReply = Type.Object({
  id: Type.String(),
  label: Type.Object({ fr: Type.String(), en: Type.String() }),
  endpoints: Type.Array(Type.String()),
  connectUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'The address its client connects to (under PUBLIC_URL), or null: nothing serves this application yet',
  }),
});

export const SsoIdentityBody = Type.Object(
  {
    subject: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: NO_CONTROL_CHARACTERS,
      description: "The account's `sub` at the configured provider (OIDC_ISSUER)",
    }),
  },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  {
    username: Text(256),
    password: Password(4096),
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  },
  { additionalProperties: false },
);

export const PolicyReply = Type.Object({
  appPasswordLifetimeDays: Type.Integer(),
  maxActiveAppPasswords: Type.Integer(),
  revokeAppPasswordsOnPasswordChange: Type.Boolean(),
  allowPrimaryPasswordOverBasic: Type.Boolean(),
  storageQuotaBytes: Type.Integer(),
  requireTwoFactorForLocalAccounts: Type.Boolean(),
});

/** Any of the policy's settings, at least one; the domain checks the ranges (POLICY_INVALID). */
export const PolicyBody = Type.Partial(PolicyReply, { additionalProperties: false, minProperties: 1 });

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 128, description: 'The nextCursor of the previous page (opaque)' })),
    action: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9.-]*$', description: 'Only entries of this action' }),
    ),
    user: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        pattern: NO_CONTROL_CHARACTERS,
        description: 'Only entries whose actor or target is this name (exact)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AuditReply = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String(),
      actor: Type.String(),
      actorUserId: Type.Union([Type.String(), Type.Null()]),
      action: Type.String(),
      target: Type.String(),
      targetUserId: Type.Union([Type.String(), Type.Null()]),
      ip: Type.String(),
      client: Type.String({ description: "The client's own description (User-Agent); not the actor" }),
      details: Type.Record(Type.String(), Type.Unknown()),
      targetUsername: Type.Union([Type.String(), Type.Null()], {
        description: 'The username, now, of the account the target belongs to (a password is named by its owner)',
      }),
    }),
  ),
  actions: Type.Array(Type.String(), { description: 'Every action the log records, for a filter' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null after the last' }),
});

export const SsoReply = Type.Object({
  enabled: Type.Boolean(),
  label: Type.Union([Type.String(), Type.Null()], { description: 'The sign-in button text (OIDC_LABEL)' }),
  startUrl: Type.Union([Type.Literal('/auth/oidc/start'), Type.Null()], {
    description: 'Navigate here (a full page, not fetch); optional ?returnTo=/same-origin/path',
  }),
});

export const AdminSsoReply = Type.Object({
  enabled: Type.Boolean(),
  issuer: Type.Union([Type.String(), Type.Null()]),
  clientId: Type.Union([Type.String(), Type.Null()]),
  redirectUri: Type.Union([Type.String(), Type.Null()], { description: 'To register at the provider' }),
  label: Type.Union([Type.String(), Type.Null()]),
  allowedDomains: Type.Array(Type.String()),
  adminGroup: Type.Union([Type.String(), Type.Null()]),
  recheckMinutes: Type.Integer(),
  lastRecheckAt: Type.Union([Type.Number(), Type.Null()], {
    description: 'When the provider last confirmed an SSO account (epoch milliseconds), or null',
  }),
});
