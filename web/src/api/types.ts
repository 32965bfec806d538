/**
 * The JSON API's types, derived from the server's own TypeBox route schemas
 * (src/api/schemas.ts), the same schemas that generate /api/v1/openapi.json.
 * Never write an API shape by hand here.
 */
import type { Static } from '@sinclair/typebox';
import type * as Schemas from '../../../src/api/schemas.js';

export type User = Static<typeof Schemas.UserReply>;
export type AdminUser = Static<typeof Schemas.AdminUserReply>;
export type AppPasswordList = Static<typeof Schemas.AppPasswordListReply>;
export type EndedAppPassword = Static<typeof Schemas.EndedAppPasswordReply>;
export type SignInBody = Static<typeof Schemas.SignInBody>;
export type SessionReply = Static<typeof Schemas.SessionReply>;
export type SignOutReply = Static<typeof Schemas.SignOutReply>;
export type MeReply = Static<typeof Schemas.MeReply>;
export type AppPassword = Static<typeof Schemas.AppPasswordReply>;
export type CreateAppPasswordBody = Static<typeof Schemas.CreateAppPasswordBody>;
export type CreatedAppPassword = Static<typeof Schemas.CreatedAppPasswordReply>;
export type UpdateAppPasswordBody = Static<typeof Schemas.UpdateAppPasswordBody>;
export type Connection = Static<typeof Schemas.ConnectionReply>;
export type Application = Static<typeof Schemas.ApplicationReply>;
export type CreateUserBody = Static<typeof Schemas.CreateUserBody>;
export type Policy = Static<typeof Schemas.PolicyReply>;
export type PolicyBody = Static<typeof Schemas.PolicyBody>;
export type AuditQuery = Static<typeof Schemas.AuditQuery>;
export type AuditPage = Static<typeof Schemas.AuditReply>;
export type TotpEnrolment = Static<typeof Schemas.TotpEnrolmentReply>;
export type RecoveryCodes = Static<typeof Schemas.RecoveryCodesReply>;
export type ChangePasswordBody = Static<typeof Schemas.ChangePasswordBody>;
export type ChangePasswordReply = Static<typeof Schemas.ChangePasswordReply>;
export type SsoStatus = Static<typeof Schemas.SsoReply>;
export type AdminSso = Static<typeof Schemas.AdminSsoReply>;
export type ErrorReply = Static<typeof Schemas.ErrorReply>;
