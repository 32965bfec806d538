/**
 * Links a local account to an identity at the configured SSO provider
 * (`PUT /admin/users/:id/sso-identity`): the administrator types the
 * account's `sub` there, and is told what the account loses. Refusals
 * (identity taken, account already SSO, provider unreachable) are shown in
 * the dialog as the interface's own sentences; the dialog stays open so the
 * value can be corrected.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { User } from '../api/types.js';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { CloseButton, Modal } from '../ui/Modal.js';
import { useSubmit } from '../ui/use-submit.js';

export function LinkSsoDialog({ user, onLinked, onClose }: { user: User; onLinked(user: User): void; onClose(): void }) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState('');
  const linking = useSubmit(async () => onLinked((await api.linkSsoIdentity(user.id, subject.trim())).user));
  const error = linking.failure === undefined ? undefined : errorMessage(t, linking.failure);
  const busy = linking.busy;

  function link(event: FormEvent) {
    event.preventDefault();
    void linking.run();
  }

  return (
    <Modal
      title={t('admin.linkSsoTitle', { username: user.username })}
      description={t('admin.linkSsoDescription')}
      onClose={onClose}
    >
      <form onSubmit={link} noValidate>
        <label htmlFor="sso-subject">{t('admin.ssoSubject')}</label>
        <input
          id="sso-subject"
          autoComplete="off"
          spellCheck={false}
          value={subject}
          aria-describedby={error ? 'sso-subject-error' : undefined}
          onChange={(e) => setSubject(e.target.value)}
        />
        <FieldError id="sso-subject-error" message={error} />
        <div className="dialog-buttons">
          <CloseButton>{t('admin.cancel')}</CloseButton>
          <button type="submit" className="primary" disabled={busy || subject.trim() === ''}>
            {t('admin.confirmLink')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
