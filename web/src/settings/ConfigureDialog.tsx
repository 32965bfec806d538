/** "Configurer": rename an app password or assign it to one application (or none). */
import * as Dialog from '@radix-ui/react-dialog';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { AppPassword, Application } from '../api/types.js';
import { currentLanguage } from '../i18n/i18n.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { useReturnFocus } from '../ui/return-focus.js';

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
  const { t, i18n } = useTranslation();
  const returnFocus = useReturnFocus();
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
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" onCloseAutoFocus={returnFocus}>
          <Dialog.Title>{t('configure.title', { name: appPassword.name })}</Dialog.Title>
          <Dialog.Description>{t('configure.description')}</Dialog.Description>
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
            <select id="configure-application" value={application} onChange={(event) => setApplication(event.target.value)}>
              <option value="">{t('configure.none')}</option>
              {applications.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.label[currentLanguage(i18n.language)]}
                </option>
              ))}
            </select>
            <FieldError id="configure-form-error" message={error?.field === 'form' ? error.message : undefined} />
            <div className="dialog-buttons">
              <Dialog.Close asChild>
                <button type="button">{t('configure.cancel')}</button>
              </Dialog.Close>
              <button type="submit" className="primary" disabled={busy}>
                {t('configure.save')}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
