/**
 * "Créer un mot de passe d'application": the help page's text, the field
 * "Nom de la connexion" (placeholder "Mon WebDAV", "64 caractères max."
 * with a live counter in code points: a 65th character is refused with a
 * message, never cut), an optional application and expiry, Annuler and
 * ✓ Générer. Hands the created password to its caller once.
 */
import { Check } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { Application, CreatedAppPassword } from '../api/types.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { nameLength } from '../ui/format.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { ApplicationSelect } from './ApplicationSelect.js';
import { currentLanguage } from '../i18n/i18n.js';

const MAX_NAME = 64;

type Field = 'name' | 'application' | 'expiry' | 'form';

function fieldOf(code: string | undefined): Field {
  if (code?.startsWith('NAME_')) return 'name';
  if (code === 'UNKNOWN_APPLICATION') return 'application';
  if (code === 'EXPIRY_OUT_OF_RANGE') return 'expiry';
  return 'form';
}

export function CreateAppPasswordDialog({
  applications,
  onCreated,
  onClose,
}: {
  applications: Application[];
  onCreated(created: CreatedAppPassword): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [application, setApplication] = useState('');
  const [expiry, setExpiry] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  const length = nameLength(name);
  const tooLong = length > MAX_NAME;
  const nameError = tooLong ? t('create.tooLong', { count: length }) : errors.name;
  // Applications that nothing serves yet: offered disabled, and named here.
  const notServed = applications
    .filter((candidate) => candidate.connectUrl === null)
    .map((candidate) => candidate.label[currentLanguage()]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (tooLong) return;
    setBusy(true);
    setErrors({});
    try {
      const created = await api.createAppPassword({
        name,
        ...(application ? { application } : {}),
        ...(expiry ? { expiresInDays: Number(expiry) } : {}),
      });
      onCreated(created);
    } catch (failure) {
      setErrors({ [fieldOf(errorCode(failure))]: errorMessage(t, failure) });
    } finally {
      setBusy(false);
    }
  }

  const describedBy = ['create-name-hint', 'create-name-counter', nameError ? 'create-name-error' : ''].filter(Boolean).join(' ');
  return (
    <Modal title={t('create.title')} description={t('create.intro')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="create-name">{t('create.name')}</label>
        <input
          id="create-name"
          value={name}
          placeholder={t('create.placeholder')}
          autoComplete="off"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => setName(event.target.value)}
        />
        <p className="field-meta">
          <span id="create-name-hint">{t('create.hint')}</span>
          <span id="create-name-counter" className={tooLong ? 'counter over' : 'counter'}>
            {t('create.counter', { count: length })}
          </span>
        </p>
        <FieldError id="create-name-error" message={nameError} />

        <label htmlFor="create-application">{t('create.application')}</label>
        <ApplicationSelect
          id="create-application"
          applications={applications}
          value={application}
          noneLabel={t('create.anyApplication')}
          describedBy={['create-application-hint', errors.application ? 'create-application-error' : '']
            .filter(Boolean)
            .join(' ')}
          onChange={setApplication}
        />
        {notServed.length > 0 ? (
          <p id="create-application-hint" className="hint">
            {t('connect.createHint', { applications: notServed.join(', ') })}
          </p>
        ) : null}
        <FieldError id="create-application-error" message={errors.application} />

        <label htmlFor="create-expiry">{t('create.expiry')}</label>
        <input
          id="create-expiry"
          type="number"
          inputMode="numeric"
          min={1}
          value={expiry}
          aria-describedby={errors.expiry ? 'create-expiry-error' : undefined}
          onChange={(event) => setExpiry(event.target.value)}
        />
        <FieldError id="create-expiry-error" message={errors.expiry} />
        <FieldError id="create-form-error" message={errors.form} />

        <div className="dialog-buttons">
          <CloseButton>{t('create.cancel')}</CloseButton>
          <button type="submit" className="primary" disabled={busy}>
            <Check aria-hidden size={16} /> {t('create.generate')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
