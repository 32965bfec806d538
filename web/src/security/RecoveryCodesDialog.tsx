/**
 * Shows the ten recovery codes the one time the server sends them, with a
 * copy button, a download as a .txt file and printing (the print style
 * shows this dialog alone). Closing it before the codes were copied,
 * downloaded or printed asks first. The codes live in this dialog's props
 * only: once it is closed, nothing in the page keeps them.
 */
import { Copy, Download, Printer } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SecretModal } from '../ui/SecretModal.js';
import { nameContext } from '../i18n/elision.js';

export function RecoveryCodesDialog({
  codes,
  username,
  onDone,
  returnFocusTo,
}: {
  codes: string[];
  username: string;
  onDone(): void;
  returnFocusTo?: () => HTMLElement | null;
}) {
  const { t } = useTranslation();
  const [kept, setKept] = useState(false);
  const [copied, setCopied] = useState(false);
  const text = [t('recoveryCodes.fileHeading', { username, ...nameContext(username) }), '', ...codes, ''].join('\n');

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `sesame-recovery-codes-${username}.txt`;
    link.click();
    URL.revokeObjectURL(url);
    setKept(true);
  }

  async function copy() {
    await navigator.clipboard.writeText(codes.join('\n'));
    setCopied(true);
    setKept(true);
  }

  return (
    <SecretModal
      title={t('recoveryCodes.title')}
      description={t('recoveryCodes.intro')}
      kept={kept}
      leave={{
        title: t('recoveryCodes.leaveTitle'),
        description: t('recoveryCodes.leaveDescription'),
        stay: t('recoveryCodes.stay'),
        leave: t('recoveryCodes.leave'),
      }}
      onDone={onDone}
      {...(returnFocusTo ? { returnFocusTo } : {})}
    >
      {(requestClose) => (
        <>
          <p className="notice">{t('recoveryCodes.once')}</p>
          <ol className="recovery-codes" aria-label={t('recoveryCodes.list')} onCopy={() => setKept(true)}>
            {codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <p role="status" className="copied">
            {copied ? t('recoveryCodes.copied') : ''}
          </p>
          <div className="dialog-buttons">
            <button type="button" onClick={() => void copy().catch(() => undefined)}>
              <Copy aria-hidden size={16} /> {t('recoveryCodes.copy')}
            </button>
            <button type="button" onClick={download}>
              <Download aria-hidden size={16} /> {t('recoveryCodes.download')}
            </button>
            <button
              type="button"
              onClick={() => {
                window.print();
                setKept(true);
              }}
            >
              <Printer aria-hidden size={16} /> {t('recoveryCodes.print')}
            </button>
            <button type="button" className="primary" onClick={requestClose}>
              {t('recoveryCodes.done')}
            </button>
          </div>
        </>
      )}
    </SecretModal>
  );
}
