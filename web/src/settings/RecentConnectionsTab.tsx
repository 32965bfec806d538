/**
 * Tab "Connexions récentes": web sign-ins, app-password uses and failed
 * attempts, one row per (credential, address, client), newest first. An
 * app-password row names its password (also a refused one) and, while the
 * password is active, leads to its card (« Voir la carte », which
 * highlights it) and offers to delete it; a failure says why it was
 * refused, which only the account's owner is ever told. Clients are named
 * shortly (« Chrome 156 · Linux »), the full User-Agent on demand.
 * Failures are marked by an icon, a word and a colour, not colour alone.
 */
import { CheckCircle2, Trash2, XOctagon } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import type { Connection } from '../api/types.js';
import { ClientName } from '../ui/ClientName.js';
import { DateTime } from '../ui/DateTime.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';
import { useApplicationLabel, useApplications } from './applications.js';
import { DeleteAppPasswordDialog } from './DeleteAppPasswordDialog.js';

export function RecentConnectionsTab() {
  const { t } = useTranslation();
  const list = useLoad('connections', (signal) => api.connections(signal).then((reply) => reply.connections));
  const applicationLabel = useApplicationLabel(useApplications());
  const [deleting, setDeleting] = useState<{ id: string; name: string }>();

  function credentialOf(connection: Connection): string {
    const method = t(`recent.method.${connection.method}`, { defaultValue: connection.method });
    return connection.appPassword ? t('recent.credentialNamed', { method, name: connection.appPassword.name }) : method;
  }

  return (
    <div>
      <h3>{t('recent.title')}</h3>
      <p>{t('recent.intro')}</p>
      <LoadError error={list.error} retry={list.reload} />
      {list.data && list.data.length === 0 ? <p>{t('recent.empty')}</p> : null}
      <ul className="cards" aria-label={t('recent.list')}>
        {list.data?.map((connection) => {
          const failed = connection.outcome === 'failure';
          const appPassword = connection.appPassword;
          return (
            <li key={connection.id} className={failed ? 'card connection failure' : 'card connection'}>
              <p className="outcome">
                {failed ? <XOctagon aria-hidden size={16} /> : <CheckCircle2 aria-hidden size={16} />}
                <strong>{failed ? t('recent.failure') : t('recent.success')}</strong>
                <span>{credentialOf(connection)}</span>
              </p>
              {failed && connection.reason ? <p className="reason">{t(`recent.reason.${connection.reason}`)}</p> : null}
              <dl className="facts">
                <div>
                  <dt>{t('recent.application')}</dt>
                  <dd>{applicationLabel(connection.application) ?? '—'}</dd>
                </div>
                <div>
                  <dt>{t('recent.address')}</dt>
                  <dd>{connection.ip}</dd>
                </div>
                <div>
                  <dt>{t('recent.client')}</dt>
                  <dd>
                    <ClientName userAgent={connection.client} />
                  </dd>
                </div>
                <div>
                  <dt>{t('recent.firstSeen')}</dt>
                  <dd>
                    <DateTime value={connection.firstSeen} />
                  </dd>
                </div>
                <div>
                  <dt>{t('recent.lastSeen')}</dt>
                  <dd>
                    <DateTime value={connection.lastSeen} />
                  </dd>
                </div>
                <div>
                  <dt>{t('recent.count')}</dt>
                  <dd>{connection.count}</dd>
                </div>
              </dl>
              {appPassword?.active ? (
                <div className="actions">
                  <Link to={`/settings/connections/app-passwords#app-password-${appPassword.id}`}>{t('recent.showCard')}</Link>
                  <button
                    type="button"
                    className="icon danger-outline"
                    aria-label={t('appPasswords.delete', { name: appPassword.name })}
                    onClick={() => setDeleting(appPassword)}
                  >
                    <Trash2 aria-hidden size={18} />
                  </button>
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {deleting ? (
        <DeleteAppPasswordDialog appPassword={deleting} onClose={() => setDeleting(undefined)} onDeleted={list.reload} />
      ) : null}
    </div>
  );
}
