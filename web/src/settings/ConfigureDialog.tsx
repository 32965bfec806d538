/**
 * "Configurer": rename an app password or assign it to one application (or
 * none). Moving a password away from the application it is assigned to, or
 * was last used by, cuts that client off at its next request: the dialog
 * says so, with the last use, before anything is saved.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { AppPassword, Application } from '../api/types.js';
import { errorMessage, fieldOf } from '../ui/error-message.js';
import { useSubmit } from '../ui/use-submit.js';
import { FieldError } from '../ui/FieldError.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { ApplicationSelect } from './ApplicationSelect.js';
import { currentLanguage } from '../i18n/i18n.js';
import { formatDate } from '../ui/format.js';

export function ConfigureDialog({
  appPassword,
  applications,
  onSaved,
  onClose,
}: {
  appPassword: AppPassword;
  applications: Application[];
  onSaved(): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(appPassword.name);
  const [application, setApplication] = useState(appPassword.application ?? '');
  const saving = useSubmit(async () => {
    await api.updateAppPassword(appPassword.id, {
      ...(name !== appPassword.name ? { name } : {}),
      application: application === '' ? null : application,
    });
    onSaved();
  });
  const field = fieldOf(saving.failure, {
    NAME_REQUIRED: 'name',
    NAME_TOO_LONG: 'name',
    NAME_INVALID_CHARACTERS: 'name',
    NAME_TAKEN: 'name',
  });
  const error = saving.failure === undefined ? undefined : { field, message: errorMessage(t, saving.failure) };
  const labelOf = (id: string) => applications.find((candidate) => candidate.id === id)?.label[currentLanguage()] ?? id;
  // The application that would be cut off: the one assigned, else the one that last used it.
  const current = appPassword.application ?? appPassword.lastUsed?.application ?? null;
  // Unassigned, it is bound again by whichever application uses it first: only another assignment cuts a client off.
  const cutOff = current !== null && application !== '' && application !== current ? labelOf(current) : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    void saving.run();
  }

  return (
    <Modal title={t('configure.title', { name: appPassword.name })} description={t('configure.description')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="configure-name">{t('configure.name')}</label>
        <input
          id="configure-name"
          value={name}
          autoComplete="off"
          aria-describedby={error?.field === 'name' ? 'configure-name-error' : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        <FieldError id="configure-name-error" message={error?.field === 'name' ? error.message : undefined} />
        <label htmlFor="configure-application">{t('configure.application')}</label>
        <ApplicationSelect
          id="configure-application"
          applications={applications}
          value={application}
          noneLabel={t('configure.none')}
          current={appPassword.application}
          describedBy={cutOff ? 'configure-cut-off' : undefined}
          onChange={setApplication}
        />
        {cutOff ? (
          <div id="configure-cut-off" className="notice" role="status">
            <p>{t('configure.cutOff', { application: cutOff })}</p>
            {appPassword.lastUsed ? (
              <p>
                {t('configure.lastUse', {
                  at: formatDate(appPassword.lastUsed.at),
                  client: appPassword.lastUsed.client || t('configure.unknownClient'),
                  ip: appPassword.lastUsed.ip,
                })}
              </p>
            ) : null}
          </div>
        ) : null}
        <FieldError id="configure-form-error" message={error?.field === 'form' ? error.message : undefined} />
        <div className="dialog-buttons">
          <CloseButton>{t('configure.cancel')}</CloseButton>
          <button type="submit" className="primary" disabled={saving.busy}>
            {t('configure.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
