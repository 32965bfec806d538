/**
 * Shows the ten recovery codes the one time the server sends them, with a
 * download as a .txt file and printing (the print style shows this dialog
 * alone). The codes live in this dialog's props only: once it is closed,
 * nothing in the page keeps them.
 */
import { Download, Printer } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Modal } from '../ui/Modal.js';

export function RecoveryCodesDialog({ codes, username, onDone }: { codes: string[]; username: string; onDone(): void }) {
  const { t } = useTranslation();

  function download() {
    const text = [t('recoveryCodes.fileHeading', { username }), '', ...codes, ''].join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `sesame-recovery-codes-${username}.txt`;
    link.click();
    URL.revokeObjectURL(url);
  }

  return (
    <Modal title={t('recoveryCodes.title')} description={t('recoveryCodes.intro')} onClose={onDone} keepOnOutsideClick>
      <ol className="recovery-codes" aria-label={t('recoveryCodes.list')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="hint">{t('recoveryCodes.once')}</p>
      <div className="dialog-buttons">
        <button type="button" onClick={download}>
          <Download aria-hidden size={16} /> {t('recoveryCodes.download')}
        </button>
        <button type="button" onClick={() => window.print()}>
          <Printer aria-hidden size={16} /> {t('recoveryCodes.print')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('recoveryCodes.done')}
        </button>
      </div>
    </Modal>
  );
}
