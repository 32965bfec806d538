/**
 * « Historique », collapsed under the list: the passwords that ended in the
 * last 90 days — revoked by an administrator (named), deleted, revoked by a
 * password change, expired — with when, the application and the last use,
 * so that a password an administrator revoked does not vanish without a
 * trace. Nothing here can be used again.
 */
import { useTranslation } from 'react-i18next';
import type { AppPassword, EndedAppPassword } from '../api/types.js';
import { ClientName } from '../ui/ClientName.js';
import { DateTime } from '../ui/DateTime.js';

interface HistoryLine {
  appPassword: AppPassword;
  at: string;
  /** The message key of how it ended, and who ended it. */
  how: string;
  by: string | null;
}

export function AppPasswordHistory({
  ended,
  expired,
  applicationLabel,
  username,
}: {
  ended: EndedAppPassword[];
  /** Expired but not revoked: still in the API's list, shown here. */
  expired: AppPassword[];
  applicationLabel: (id: string | null) => string | undefined;
  username: string;
}) {
  const { t } = useTranslation();
  const lines: HistoryLine[] = [
    ...ended.map((appPassword) => ({
      appPassword,
      at: appPassword.ended.at,
      how: appPassword.ended.reason,
      by: appPassword.ended.by,
    })),
    ...expired.map((appPassword) => ({ appPassword, at: appPassword.expiresAt, how: 'expired', by: 'system' })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  if (lines.length === 0) return null;
  const who = (by: string | null) =>
    by === null
      ? t('history.someone')
      : by === username
        ? t('history.you')
        : by === 'cli'
          ? t('history.cli')
          : by === 'system'
            ? t('history.system')
            : by;
  return (
    <details className="history">
      <summary>{t('history.title', { count: lines.length })}</summary>
      <p className="hint">{t('history.intro')}</p>
      <ul className="cards" aria-label={t('history.list')}>
        {lines.map(({ appPassword, at, how, by }) => (
          <li key={appPassword.id} className="card ended">
            <p className="assignment">
              {t('appPasswords.assignment', {
                application: applicationLabel(appPassword.application) ?? t('appPasswords.unassigned'),
              })}
            </p>
            <h4>{appPassword.name}</h4>
            <p>
              {t(`history.how.${how}`, { who: who(by) })} <DateTime value={at} />
            </p>
            <p className="hint">
              {t('history.lastUse')}{' '}
              {appPassword.lastUsed ? (
                <>
                  <DateTime value={appPassword.lastUsed.at} /> · {appPassword.lastUsed.ip} ·{' '}
                  <ClientName userAgent={appPassword.lastUsed.client} />
                </>
              ) : (
                t('appPasswords.neverUsed')
              )}
            </p>
          </li>
        ))}
      </ul>
    </details>
  );
}
