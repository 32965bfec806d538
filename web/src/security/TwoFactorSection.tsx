/**
 * Double authentification of a local account: its state, turning it on
 * (TotpEnrolment), and once on, regenerating the recovery codes or turning
 * it off, each with a current code. New recovery codes are shown once.
 */
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import { useSession, useUser } from '../session/session.js';
import { RecoveryCodesDialog } from './RecoveryCodesDialog.js';
import { SecondFactorCodeDialog } from './SecondFactorCodeDialog.js';
import { TotpEnrolment } from './TotpEnrolment.js';

export function TwoFactorSection() {
  const { t } = useTranslation();
  const user = useUser();
  const { updateUser } = useSession();
  const [dialog, setDialog] = useState<'regenerate' | 'disable'>();
  const [codes, setCodes] = useState<string[]>();
  const regenerateButton = useRef<HTMLButtonElement>(null);

  return (
    <section className="card" aria-labelledby="two-factor-title">
      <h3 id="two-factor-title">{t('security.twoFactorTitle')}</h3>
      <p role="status">{user.twoFactor ? t('security.twoFactorOn') : t('security.twoFactorOff')}</p>
      {user.twoFactor ? (
        <div className="actions">
          <button type="button" ref={regenerateButton} onClick={() => setDialog('regenerate')}>
            {t('security.regenerate')}
          </button>
          <button type="button" className="danger-outline" onClick={() => setDialog('disable')}>
            {t('security.disable')}
          </button>
        </div>
      ) : (
        <>
          <p className="hint">{t('security.twoFactorWhy')}</p>
          <TotpEnrolment
            onEnabled={(recoveryCodes) => {
              setCodes(recoveryCodes);
              updateUser({ ...user, twoFactor: true });
            }}
          />
        </>
      )}
      {dialog === 'regenerate' ? (
        <SecondFactorCodeDialog
          title={t('security.regenerateTitle')}
          description={t('security.regenerateDescription')}
          submit={t('security.regenerateSubmit')}
          onSubmit={async (code) => {
            const reply = await api.regenerateRecoveryCodes(code);
            setDialog(undefined);
            setCodes(reply.recoveryCodes);
          }}
          onClose={() => setDialog(undefined)}
        />
      ) : null}
      {dialog === 'disable' ? (
        <SecondFactorCodeDialog
          title={t('security.disableTitle')}
          description={t('security.disableDescription')}
          submit={t('security.disableSubmit')}
          danger
          onSubmit={async (code) => {
            await api.disableTotp(code);
            setDialog(undefined);
            updateUser({ ...user, twoFactor: false });
          }}
          onClose={() => setDialog(undefined)}
        />
      ) : null}
      {codes ? (
        <RecoveryCodesDialog
          codes={codes}
          username={user.username}
          onDone={() => setCodes(undefined)}
          returnFocusTo={() => regenerateButton.current}
        />
      ) : null}
    </section>
  );
}
