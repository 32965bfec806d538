/**
 * An administrator links an existing local account to an identity at the
 * configured provider: from then on it is an SSO account exactly like a
 * provisioned one (no primary password, no TOTP, no recovery codes), its
 * sessions end and its app passwords stay. Linking is the only way a local
 * account meets an SSO identity; it must never happen by e-mail.
 */
import { SesameError } from '../errors.js';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { toUser, type User } from '../accounts/users.js';
import type { Context } from '../context.js';
import { insertOidcAccountIfNew } from '../repositories/oidc-accounts.js';
import { deleteRecoveryCodesOfUser } from '../repositories/recovery-codes.js';
import { deleteSessionsOfUser } from '../repositories/sessions.js';
import { convertToSsoAccount, lockUser } from '../repositories/users.js';
import type { OidcProvider } from './provider.js';

/**
 * Links the user to `subject` at the provider's issuer (as its discovery
 * names it, the value every sign-in records). SSO_NOT_CONFIGURED without a
 * provider, SSO_UNAVAILABLE while it cannot be reached, USER_NOT_FOUND,
 * ALREADY_SSO, SSO_IDENTITY_TAKEN.
 */
export async function linkSsoIdentity(
  ctx: Context,
  provider: OidcProvider | null,
  link: { userId: string; subject: string },
  actor: Actor,
): Promise<User> {
  if (provider === null) throw new SesameError('SSO_NOT_CONFIGURED', 'Single sign-on is not configured.');
  const issuer = (await provider.configuration()).serverMetadata().issuer;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const record = await lockUser(trx, link.userId);
    if (!record) throw new SesameError('USER_NOT_FOUND', 'No such user.');
    if (record.authSource !== 'local') {
      throw new SesameError('ALREADY_SSO', 'This account already signs in through single sign-on.');
    }
    const account = {
      userId: record.id,
      issuer,
      subject: link.subject,
      email: null,
      sealedRefreshToken: null,
      lastCheckedAt: null,
      createdAt: now,
    };
    if (!(await insertOidcAccountIfNew(trx, account))) {
      throw new SesameError('SSO_IDENTITY_TAKEN', 'This identity already belongs to an account.');
    }
    await convertToSsoAccount(trx, record.id);
    await deleteRecoveryCodesOfUser(trx, record.id);
    await deleteSessionsOfUser(trx, record.id);
    await recordAudit(trx, now, actor, {
      action: 'user.sso-linked',
      targetUserId: record.id,
      target: record.username,
      details: { issuer, subject: link.subject },
    });
    return toUser({ ...record, authSource: 'oidc', passwordHash: null, sealedTotpSecret: null });
  });
}
