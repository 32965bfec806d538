/**
 * "Créer un mot de passe d'application": the help page's text, the field
 * "Nom de la connexion" (placeholder "Mon WebDAV", "(64 caractères max.)"
 * with a live counter in code points: a 65th character is refused with a
 * message, never cut), an optional application (those nothing serves yet
 * offered disabled), the expiry (presets up to the policy's lifetime,
 * which is the default, or a date), Annuler and ✓ Générer. Hands the
 * created password to its caller once.
 */
import { Check } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { Application, CreatedAppPassword } from '../api/types.js';
import { errorMessage, fieldOf } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { nameLength } from '../ui/format.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { useSubmit } from '../ui/use-submit.js';
import { ApplicationSelect } from './ApplicationSelect.js';
import { currentLanguage } from '../i18n/i18n.js';

const MAX_NAME = 64;
const DAY_MS = 86_400_000;
/** Lifetimes offered besides the policy's (which is both the default and the longest). */
const PRESET_DAYS = [30, 90, 365];

type Expiry = { kind: 'days'; days: number } | { kind: 'date'; date: string };

/** Whole days from today to a date picked in the calendar (local time). */
function daysUntil(date: string, now = new Date()): number {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const [year, month, day] = date.split('-').map(Number);
  return Math.round((new Date(year!, month! - 1, day!).getTime() - today.getTime()) / DAY_MS);
}

/** A date `days` from today, as the date field writes it (yyyy-mm-dd, local time). */
function dateIn(days: number, now = new Date()): string {
  const at = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
}

export function CreateAppPasswordDialog({
  applications,
  lifetimeDays,
  onCreated,
  onClose,
}: {
  applications: Application[];
  /** The policy's lifetime: the default, and the longest allowed. */
  lifetimeDays: number;
  onCreated(created: CreatedAppPassword): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [application, setApplication] = useState('');
  const [expiry, setExpiry] = useState<Expiry>({ kind: 'days', days: lifetimeDays });
  const length = nameLength(name);
  const tooLong = length > MAX_NAME;
  const presets = [...PRESET_DAYS.filter((days) => days < lifetimeDays), lifetimeDays];
  const creating = useSubmit(async () => {
    const expiresInDays = expiry.kind === 'days' ? expiry.days : daysUntil(expiry.date);
    onCreated(
      await api.createAppPassword({
        name,
        ...(application ? { application } : {}),
        // The policy's lifetime is the server's default: sent only when shorter.
        ...(expiresInDays === lifetimeDays ? {} : { expiresInDays }),
      }),
    );
  });
  const field = fieldOf(creating.failure, {
    NAME_REQUIRED: 'name',
    NAME_TOO_LONG: 'name',
    NAME_INVALID_CHARACTERS: 'name',
    NAME_TAKEN: 'name',
    UNKNOWN_APPLICATION: 'application',
    EXPIRY_OUT_OF_RANGE: 'expiry',
  });
  const failure = creating.failure === undefined ? undefined : errorMessage(t, creating.failure, { max: lifetimeDays });
  const errors: Partial<Record<typeof field, string>> = failure === undefined ? {} : { [field]: failure };
  const nameError = tooLong ? t('create.tooLong', { count: length }) : errors.name;
  // Applications that nothing serves yet: offered disabled, and named here.
  const notServed = applications
    .filter((candidate) => candidate.connectUrl === null)
    .map((candidate) => candidate.label[currentLanguage()]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!tooLong) void creating.run();
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
          describedBy={
            [notServed.length > 0 ? 'create-application-hint' : '', errors.application ? 'create-application-error' : '']
              .filter(Boolean)
              .join(' ') || undefined
          }
          onChange={setApplication}
        />
        {notServed.length > 0 ? (
          <p id="create-application-hint" className="hint">
            {t('connect.createHint', { applications: notServed.join(', ') })}
          </p>
        ) : null}
        <FieldError id="create-application-error" message={errors.application} />

        <fieldset className="expiry" aria-describedby={errors.expiry ? 'create-expiry-error' : 'create-expiry-hint'}>
          <legend>{t('create.expiry')}</legend>
          <p id="create-expiry-hint" className="hint">
            {t('create.expiryHint', { max: lifetimeDays })}
          </p>
          {presets.map((days) => (
            <label key={days} className="checkbox">
              <input
                type="radio"
                name="create-expiry"
                checked={expiry.kind === 'days' && expiry.days === days}
                onChange={() => setExpiry({ kind: 'days', days })}
              />
              {days === lifetimeDays ? t('create.expiryDefault', { count: days }) : t('create.expiryDays', { count: days })}
            </label>
          ))}
          <label className="checkbox">
            <input
              type="radio"
              name="create-expiry"
              checked={expiry.kind === 'date'}
              onChange={() => setExpiry({ kind: 'date', date: dateIn(Math.min(30, lifetimeDays)) })}
            />
            {t('create.expiryDate')}
          </label>
          {expiry.kind === 'date' ? (
            <>
              <label htmlFor="create-expiry-date">{t('create.expiryDateLabel')}</label>
              <input
                id="create-expiry-date"
                type="date"
                min={dateIn(1)}
                max={dateIn(lifetimeDays)}
                value={expiry.date}
                aria-describedby={errors.expiry ? 'create-expiry-error' : undefined}
                onChange={(event) => setExpiry({ kind: 'date', date: event.target.value })}
              />
            </>
          ) : null}
        </fieldset>
        <FieldError id="create-expiry-error" message={errors.expiry} />
        <FieldError id="create-form-error" message={errors.form} />

        <div className="dialog-buttons">
          <CloseButton>{t('create.cancel')}</CloseButton>
          <button type="submit" className="primary" disabled={creating.busy}>
            <Check aria-hidden size={16} /> {t('create.generate')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
