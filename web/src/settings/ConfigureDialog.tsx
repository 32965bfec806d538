/** "Configurer": rename an app password or assign it to one application (or none). */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { AppPassword, Application } from '../api/types.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { ApplicationSelect } from './ApplicationSelect.js';

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
  const [error, setError] = useState<{ field: 'name' | 'form'; message: string }>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.updateAppPassword(appPassword.id, {
        ...(name !== appPassword.name ? { name } : {}),
        application: application === '' ? null : application,
      });
      onSaved();
    } catch (failure) {
      const field = errorCode(failure)?.startsWith('NAME_') ? 'name' : 'form';
      setError({ field, message: errorMessage(t, failure) });
      setBusy(false);
    }
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
          onChange={setApplication}
        />
        <FieldError id="configure-form-error" message={error?.field === 'form' ? error.message : undefined} />
        <div className="dialog-buttons">
          <CloseButton>{t('configure.cancel')}</CloseButton>
          <button type="submit" className="primary" disabled={busy}>
            {t('configure.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
