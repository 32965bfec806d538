/**
 * SSO (OpenID Connect), read only: the configuration the server was started
 * with (issuer, client id, the redirect URI to register at the provider,
 * button label, allowed domains, admin group) and the disabled-account
 * check (period, last run). The client secret never reaches the browser.
 * Unconfigured, the page says so and links to the documentation, which the
 * server serves at /docs/sso.md.
 */
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import { CopyField } from '../ui/CopyField.js';
import { DateTime } from '../ui/DateTime.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';

export function SsoPage() {
  const { t } = useTranslation();
  const sso = useLoad('admin-sso', (signal) => api.adminSso(signal));
  const config = sso.data;
  const none = t('adminSso.none');

  return (
    <section className="stack">
      <h2>{t('admin.sso')}</h2>
      <LoadError error={sso.error} retry={sso.reload} />
      {config && !config.enabled ? (
        <div className="card">
          <h3>{t('adminSso.notConfigured')}</h3>
          <p>{t('adminSso.howTo')}</p>
          <p>
            <a href="/docs/sso.md" target="_blank" rel="noopener">
              {t('adminSso.docsLink')}
            </a>
          </p>
        </div>
      ) : null}
      {config?.enabled ? (
        <div className="card">
          <p>{t('adminSso.configured')}</p>
          <dl className="settings-list">
            <dt>{t('adminSso.issuer')}</dt>
            <dd>
              <code>{config.issuer ?? none}</code>
            </dd>
            <dt>{t('adminSso.clientId')}</dt>
            <dd>
              <code>{config.clientId ?? none}</code>
            </dd>
            <dt>{t('adminSso.label')}</dt>
            <dd>{config.label ?? none}</dd>
            <dt>{t('adminSso.allowedDomains')}</dt>
            <dd>{config.allowedDomains.length > 0 ? config.allowedDomains.join(', ') : t('adminSso.anyDomain')}</dd>
            <dt>{t('adminSso.adminGroup')}</dt>
            <dd>{config.adminGroup ?? none}</dd>
            <dt>{t('adminSso.recheck')}</dt>
            <dd>{t('adminSso.everyMinutes', { count: config.recheckMinutes })}</dd>
            <dt>{t('adminSso.lastRecheck')}</dt>
            <dd>
              {config.lastRecheckAt === null ? (
                t('adminSso.never')
              ) : (
                <DateTime value={new Date(config.lastRecheckAt).toISOString()} />
              )}
            </dd>
          </dl>
          {config.redirectUri ? (
            <CopyField
              id="sso-redirect-uri"
              label={t('adminSso.redirectUri')}
              value={config.redirectUri}
              copyLabel={t('adminSso.copyRedirectUri')}
              copiedText={t('adminSso.redirectUriCopied')}
            />
          ) : null}
          <p className="hint">
            {t('adminSso.secretHidden')}{' '}
            <a href="/docs/sso.md" target="_blank" rel="noopener">
              {t('adminSso.docsLink')}
            </a>
          </p>
        </div>
      ) : null}
    </section>
  );
}
