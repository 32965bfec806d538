/**
 * Asks for a current code (from the authenticator app, or a recovery code)
 * before an action on the second factor: regenerating the recovery codes or
 * turning two-factor authentication off. A wrong code is said in place and
 * the dialog stays open.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { useSubmit } from '../ui/use-submit.js';

export function SecondFactorCodeDialog({
  title,
  description,
  submit,
  danger = false,
  onSubmit,
  onClose,
}: {
  title: string;
  description: string;
  submit: string;
  danger?: boolean;
  onSubmit(code: string): Promise<void>;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const sending = useSubmit(() => onSubmit(code.replace(/\s+/g, '')));
  const error = sending.failure === undefined ? undefined : errorMessage(t, sending.failure);
  const busy = sending.busy;

  function send(event: FormEvent) {
    event.preventDefault();
    void sending.run();
  }

  return (
    <Modal title={title} description={description} onClose={onClose}>
      <form onSubmit={(event) => void send(event)}>
        <label htmlFor="second-factor-code">{t('security.currentCode')}</label>
        <input
          id="second-factor-code"
          className="secret short"
          autoComplete="one-time-code"
          spellCheck={false}
          required
          value={code}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'second-factor-error' : undefined}
          onChange={(event) => setCode(event.target.value)}
        />
        <FieldError id="second-factor-error" message={error} />
        <div className="dialog-buttons">
          <CloseButton>{t('security.cancel')}</CloseButton>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
            {submit}
          </button>
        </div>
      </form>
    </Modal>
  );
}
