/**
 * Turning on two-factor authentication: a button starts enrolment, then the
 * QR code (the server's SVG shown as an image, so nothing in it can run),
 * the text secret with a copy button, and the code that confirms it. The
 * secret lives in this component's state only; the recovery codes that the
 * confirmation returns are handed to the caller at once.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { TotpEnrolment as Enrolment } from '../api/types.js';
import { CopyField } from '../ui/CopyField.js';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { useSubmit } from '../ui/use-submit.js';

export function TotpEnrolment({ onEnabled }: { onEnabled(recoveryCodes: string[]): void }) {
  const { t } = useTranslation();
  const [enrolment, setEnrolment] = useState<Enrolment>();
  const [code, setCode] = useState('');
  const attempt = useSubmit((action: () => Promise<void>) => action());
  const error = attempt.failure === undefined ? undefined : errorMessage(t, attempt.failure);
  const busy = attempt.busy;

  const start = () =>
    attempt.run(async () => {
      setEnrolment(await api.startTotp());
      setCode('');
    });

  const confirm = (event: FormEvent) => {
    event.preventDefault();
    return attempt.run(async () => {
      const { recoveryCodes } = await api.confirmTotp(code.replace(/\s+/g, ''));
      setEnrolment(undefined);
      onEnabled(recoveryCodes);
    });
  };

  if (!enrolment) {
    return (
      <>
        <FieldError id="totp-start-error" message={error} />
        <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
          {t('security.enable')}
        </button>
      </>
    );
  }

  return (
    <form className="enrolment" onSubmit={(event) => void confirm(event)} aria-describedby={error ? 'totp-error' : undefined}>
      <h4>{t('security.scanTitle')}</h4>
      <p>{t('security.scanIntro')}</p>
      <img
        className="qr-code"
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrCodeSvg)}`}
        alt={t('security.qrAlt')}
        width={200}
        height={200}
      />
      <CopyField
        id="totp-secret"
        label={t('security.secret')}
        value={enrolment.secret}
        copyLabel={t('security.copySecret')}
        copiedText={t('security.secretCopied')}
      />
      <h4>{t('security.confirmTitle')}</h4>
      <label htmlFor="totp-confirm-code">{t('security.code')}</label>
      <input
        id="totp-confirm-code"
        className="secret short"
        autoComplete="one-time-code"
        inputMode="numeric"
        required
        value={code}
        onChange={(event) => setCode(event.target.value)}
      />
      <FieldError id="totp-error" message={error} />
      <div className="dialog-buttons">
        <button type="button" disabled={busy} onClick={() => setEnrolment(undefined)}>
          {t('security.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t('security.confirm')}
        </button>
      </div>
    </form>
  );
}
