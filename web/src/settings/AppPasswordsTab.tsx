/**
 * Tab "Mot de passe d'application": the help page's sentence, the "+"
 * button, the list with Configurer and the trash, and the help page's
 * remark. The one place a new secret is held: the `created` state, cleared
 * by Terminer.
 */
import { Plus, Trash2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { AppPassword, CreatedAppPassword } from '../api/types.js';
import { useUser } from '../session/session.js';
import { errorMessage } from '../ui/error-message.js';
import { useLoad } from '../ui/use-load.js';
import { AppPasswordCard } from './AppPasswordCard.js';
import { useApplicationLabel, useApplications } from './applications.js';
import { ConfigureDialog } from './ConfigureDialog.js';
import { ConnectPanel } from './ConnectPanel.js';
import { CreateAppPasswordDialog } from './CreateAppPasswordDialog.js';
import { CreatedPasswordDialog } from './CreatedPasswordDialog.js';
import { DeleteAppPasswordDialog } from './DeleteAppPasswordDialog.js';

type Open =
  | { dialog: 'none' }
  | { dialog: 'create' }
  | { dialog: 'created'; created: CreatedAppPassword }
  | { dialog: 'configure'; appPassword: AppPassword }
  | { dialog: 'delete'; appPassword: AppPassword };

export function AppPasswordsTab() {
  const { t } = useTranslation();
  const user = useUser();
  const list = useLoad(() => api.appPasswords().then((reply) => reply.appPasswords));
  const applications = useApplications();
  const applicationLabel = useApplicationLabel(applications);
  const [open, setOpen] = useState<Open>({ dialog: 'none' });
  const addButton = useRef<HTMLButtonElement>(null);
  const close = () => setOpen({ dialog: 'none' });
  const { hash } = useLocation();
  // The card of a password just created takes focus once it is listed (the list may still be loading when the dialog closes).
  const [focusCard, setFocusCard] = useState<string>();
  useEffect(() => {
    if (focusCard === undefined) return;
    const card = document.getElementById(`app-password-${focusCard}`);
    if (!card) return;
    card.focus();
    setFocusCard(undefined);
  }, [focusCard, list.data]);

  // A link from Connexions récentes names one password: bring it into view and focus.
  useEffect(() => {
    if (!hash || !list.data) return;
    const target = document.getElementById(decodeURIComponent(hash.slice(1)));
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  }, [hash, list.data]);

  return (
    <div>
      <div className="tab-head">
        <div>
          <h3>{t('appPasswords.title')}</h3>
          <p>{t('appPasswords.intro')}</p>
        </div>
        <button
          ref={addButton}
          type="button"
          className="primary icon"
          aria-label={t('appPasswords.add')}
          title={t('appPasswords.add')}
          onClick={() => setOpen({ dialog: 'create' })}
        >
          <Plus aria-hidden size={20} />
        </button>
      </div>
      {list.error ? (
        <p className="error" role="alert">
          {errorMessage(t, list.error)}
        </p>
      ) : null}
      {list.data && list.data.length === 0 ? <p>{t('appPasswords.empty')}</p> : null}
      <ul className="cards" aria-label={t('appPasswords.list')}>
        {list.data?.map((appPassword) => (
          <AppPasswordCard
            key={appPassword.id}
            appPassword={appPassword}
            applicationLabel={applicationLabel}
            footer={
              <ConnectPanel
                id={`connect-${appPassword.id}`}
                application={appPassword.application}
                applications={applications}
                username={user.username}
              />
            }
            actions={
              <>
                <button type="button" onClick={() => setOpen({ dialog: 'configure', appPassword })}>
                  {t('appPasswords.configure')}
                </button>
                <button
                  type="button"
                  className="icon danger-outline"
                  aria-label={t('appPasswords.delete', { name: appPassword.name })}
                  title={t('appPasswords.delete', { name: appPassword.name })}
                  onClick={() => setOpen({ dialog: 'delete', appPassword })}
                >
                  <Trash2 aria-hidden size={18} />
                </button>
              </>
            }
          />
        ))}
      </ul>
      <aside className="remark" aria-labelledby="remark-title">
        <h4 id="remark-title">{t('appPasswords.remarkTitle')}</h4>
        <ul>
          <li>
            <Trans
              i18nKey="appPasswords.remarkOnce"
              components={{ trash: <Trash2 size={14} role="img" aria-label={t('appPasswords.trashIcon')} /> }}
            />
          </li>
          <li>{t('appPasswords.remarkOnePerApp')}</li>
        </ul>
      </aside>

      {open.dialog === 'create' ? (
        <CreateAppPasswordDialog
          applications={applications}
          onClose={close}
          onCreated={(created) => {
            setOpen({ dialog: 'created', created });
            list.reload();
          }}
        />
      ) : null}
      {open.dialog === 'created' ? (
        <CreatedPasswordDialog
          secret={open.created.password}
          expiresAt={open.created.appPassword.expiresAt}
          username={user.username}
          application={open.created.appPassword.application}
          applications={applications}
          onDone={() => {
            setFocusCard(open.created.appPassword.id);
            close();
          }}
          returnFocusTo={() => document.getElementById(`app-password-${open.created.appPassword.id}`)}
        />
      ) : null}
      {open.dialog === 'configure' ? (
        <ConfigureDialog
          appPassword={open.appPassword}
          applications={applications}
          onClose={close}
          onSaved={() => {
            close();
            list.reload();
          }}
        />
      ) : null}
      {open.dialog === 'delete' ? (
        <DeleteAppPasswordDialog appPassword={open.appPassword} onClose={close} onDeleted={list.reload} />
      ) : null}
    </div>
  );
}
