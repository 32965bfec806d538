/**
 * One app password as the help page lists it: name, assignment ("Mot de
 * passe - Non affectée" or the application, "affecté à la première
 * utilisation"), created, expires (expired, or soon), last use (the client
 * by its short name); the actions are the caller's (Configurer and the
 * trash for the owner, revoke for an admin). Highlighted when a link from
 * Connexions récentes leads to it. Never holds a secret: the API sends none
 * here.
 */
import { AlertTriangle } from 'lucide-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppPassword } from '../api/types.js';
import { ClientName } from '../ui/ClientName.js';
import { DateTime } from '../ui/DateTime.js';
import { expiresSoon } from '../ui/format.js';

export function AppPasswordCard({
  appPassword,
  applicationLabel,
  actions,
  footer,
  highlighted = false,
}: {
  appPassword: AppPassword;
  applicationLabel: (id: string | null) => string | undefined;
  actions: ReactNode;
  /** Below the facts: « Comment se connecter » on the owner's own cards. */
  footer?: ReactNode;
  highlighted?: boolean;
}) {
  const { t } = useTranslation();
  const label = applicationLabel(appPassword.application) ?? t('appPasswords.unassigned');
  const soon = !appPassword.expired && expiresSoon(appPassword.expiresAt);
  const lastUsed = appPassword.lastUsed;
  return (
    <li
      className={highlighted ? 'card app-password highlighted' : 'card app-password'}
      id={`app-password-${appPassword.id}`}
      aria-labelledby={`ap-name-${appPassword.id}`}
      tabIndex={-1}
    >
      <div className="app-password-head">
        <div>
          <p className="assignment">
            {t('appPasswords.assignment', { application: label })}
            {appPassword.assignedBy === 'first-use' ? <span className="badge">{t('appPasswords.firstUse')}</span> : null}
          </p>
          <h3 id={`ap-name-${appPassword.id}`}>
            <span className="field-label">{t('appPasswords.name')} </span>
            {appPassword.name}
          </h3>
        </div>
        <div className="actions">{actions}</div>
      </div>
      <dl className="facts">
        <div>
          <dt>{t('appPasswords.created')}</dt>
          <dd>
            <DateTime value={appPassword.createdAt} />
          </dd>
        </div>
        <div>
          <dt>{t('appPasswords.expires')}</dt>
          <dd>
            <DateTime value={appPassword.expiresAt} />
            {appPassword.expired ? <span className="badge danger">{t('appPasswords.expired')}</span> : null}
            {soon ? (
              <span className="badge warning">
                <AlertTriangle aria-hidden size={14} /> {t('appPasswords.expiresSoon')}
              </span>
            ) : null}
          </dd>
        </div>
        <div className="last-use">
          <dt>{t('appPasswords.lastUsed')}</dt>
          <dd>
            {lastUsed ? (
              <>
                <DateTime value={lastUsed.at} /> {t('appPasswords.fromAddress', { ip: lastUsed.ip })}{' '}
                <ClientName userAgent={lastUsed.client} />
              </>
            ) : (
              t('appPasswords.neverUsed')
            )}
          </dd>
        </div>
      </dl>
      {footer}
    </li>
  );
}
