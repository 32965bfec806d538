/** One user's app passwords, without secrets (the API has none to give); an admin may revoke any. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { AppPassword } from '../api/types.js';
import { AppPasswordCard } from '../settings/AppPasswordCard.js';
import { useApplicationLabel, useApplications } from '../settings/applications.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage } from '../ui/error-message.js';
import { useLoad } from '../ui/use-load.js';

export function UserPasswordsPage() {
  const { t } = useTranslation();
  const id = useParams().id ?? '';
  const users = useLoad(() => api.users().then((reply) => reply.users));
  const passwords = useLoad(() => api.userAppPasswords(id).then((reply) => reply.appPasswords), id);
  const applicationLabel = useApplicationLabel(useApplications());
  const [revoking, setRevoking] = useState<AppPassword>();
  const username = users.data?.find((user) => user.id === id)?.username ?? '';

  return (
    <section>
      <p>
        <Link to="/admin/users">{t('admin.back')}</Link>
      </p>
      <h2>{t('admin.userPasswordsTitle', { username })}</h2>
      {passwords.error ? (
        <p className="error" role="alert">
          {errorMessage(t, passwords.error)}
        </p>
      ) : null}
      {passwords.data && passwords.data.length === 0 ? <p>{t('admin.noPasswords')}</p> : null}
      <ul className="cards" aria-label={t('admin.userPasswordsTitle', { username })}>
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
