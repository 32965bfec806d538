/**
 * Shows a new app password once: the help page's sentence with the expiry
 * as 2025-09-06T11:40:22+00:00, the secret in a monospace field, a copy
 * button, the username to type with it, and Terminer. The secret lives in
 * this dialog's props only: once closed, nothing in the page keeps it.
 */
import { Trans, useTranslation } from 'react-i18next';
import { CopyField } from '../ui/CopyField.js';
import { Modal } from '../ui/Modal.js';

export function CreatedPasswordDialog({
  secret,
  expiresAt,
  username,
  onDone,
}: {
  secret: string;
  expiresAt: string;
  username: string;
  onDone(): void;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      title={t('created.title')}
      description={
        <Trans
          i18nKey="created.sentence"
          values={{ expiresAt }}
          components={{ time: <time className="nowrap" dateTime={expiresAt} /> }}
        />
      }
      onClose={onDone}
      keepOnOutsideClick
    >
      <CopyField
        id="created-secret"
        label={t('created.password')}
        value={secret}
        copyLabel={t('created.copy')}
        copiedText={t('created.copied')}
      />
      <label htmlFor="created-username">{t('created.username')}</label>
      <input id="created-username" className="secret" readOnly value={username} />
      <p className="hint">{t('created.assignHint')}</p>
      <div className="dialog-buttons">
        <button type="button" className="primary" onClick={onDone}>
          {t('created.done')}
        </button>
      </div>
    </Modal>
  );
}
