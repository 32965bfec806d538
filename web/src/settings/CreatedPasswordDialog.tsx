/**
 * Shows a new app password once: the help page's sentence with the expiry
 * as 2025-09-06T11:40:22+00:00, the secret in a monospace field, a copy
 * button, the username to type with it, and Terminer. The secret lives in
 * this dialog's props only: once closed, nothing in the page keeps it.
 */
import { Copy } from 'lucide-react';
import { useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
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
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
    } catch {
      field.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  }

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
      <label htmlFor="created-secret">{t('created.password')}</label>
      <div className="secret-row">
        <input
          id="created-secret"
          ref={field}
          className="secret"
          readOnly
          value={secret}
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.target.select()}
        />
        <button type="button" onClick={() => void copy()} aria-label={t('created.copy')}>
          <Copy aria-hidden size={16} />
        </button>
      </div>
      <p role="status" className="copied">
        {copied ? t('created.copied') : ''}
      </p>
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
