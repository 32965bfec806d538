/** One user's app passwords, without secrets (the API has none to give); an admin may revoke any. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { AppPassword } from '../api/types.js';
import { AppPasswordCard } from '../settings/AppPasswordCard.js';
import { useApplicationLabel, useApplications } from '../settings/applications.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';
import { nameContext } from '../i18n/elision.js';

export function UserPasswordsPage() {
  const { t } = useTranslation();
  const id = useParams().id ?? '';
  const users = useLoad('admin-users', (signal) => api.users(signal).then((reply) => reply.users));
  const passwords = useLoad(
    'admin-user-passwords',
    (signal) => api.userAppPasswords(id, signal).then((reply) => reply.appPasswords),
    id,
  );
  const applicationLabel = useApplicationLabel(useApplications());
  const username = users.data?.find((user) => user.id === id)?.username ?? '';
  const title = t('admin.userPasswordsTitle', { username, ...nameContext(username) });
  const [revoking, setRevoking] = useState<AppPassword>();

  return (
    <section>
      <p>
        <Link to="/admin/users">{t('admin.back')}</Link>
      </p>
      <h2>{title}</h2>
      <LoadError error={passwords.error} retry={passwords.reload} />
      {passwords.data && passwords.data.length === 0 ? <p>{t('admin.noPasswords')}</p> : null}
      <ul className="cards" aria-label={title}>
        {passwords.data?.map((appPassword) => (
          <AppPasswordCard
            key={appPassword.id}
            appPassword={appPassword}
            applicationLabel={applicationLabel}
            actions={
              <button type="button" className="danger-outline" onClick={() => setRevoking(appPassword)}>
                {t('admin.revoke', { name: appPassword.name })}
              </button>
            }
          />
        ))}
      </ul>
      {revoking ? (
        <ConfirmDialog
          title={t('admin.revokeTitle', { name: revoking.name })}
          description={t('admin.revokeDescription')}
          cancel={t('admin.cancel')}
          confirm={t('admin.confirmRevoke')}
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await api.revokeAppPassword(revoking.id);
            passwords.reload();
          }}
        />
      ) : null}
    </section>
  );
}
