/**
 * Changing the primary password of a local account: the current one, the
 * new one twice. The server ends the other sessions (and, by policy,
 * revokes the app passwords); the page says what happened.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { useSubmit } from '../ui/use-submit.js';

export function ChangePasswordSection() {
  const { t } = useTranslation();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [differ, setDiffer] = useState(false);
  const [done, setDone] = useState<string>();
  const changing = useSubmit(async () => {
    const { revokedAppPasswords } = await api.changePassword({ currentPassword, newPassword });
    setCurrentPassword('');
    setNewPassword('');
    setRepeated('');
    setDone(t('security.passwordChanged', { count: revokedAppPasswords }));
  });
  const busy = changing.busy;
  const error = differ
    ? t('security.passwordsDiffer')
    : changing.failure === undefined
      ? undefined
      : errorMessage(t, changing.failure);

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(undefined);
    setDiffer(newPassword !== repeated);
    if (newPassword === repeated) void changing.run();
    else changing.clear();
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h3 id="password-title">{t('security.passwordTitle')}</h3>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'password-error' : undefined}>
        <label htmlFor="current-password">{t('security.currentPassword')}</label>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
        />
        <label htmlFor="new-password">{t('security.newPassword')}</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          required
          aria-describedby="new-password-hint"
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <p id="new-password-hint" className="hint">
          {t('security.newPasswordHint')}
        </p>
        <label htmlFor="repeat-password">{t('security.repeatPassword')}</label>
        <input
          id="repeat-password"
          type="password"
          autoComplete="new-password"
          required
          value={repeated}
          onChange={(event) => setRepeated(event.target.value)}
        />
        <FieldError id="password-error" message={error} />
        <p role="status">{done ?? ''}</p>
        <button type="submit" className="primary" disabled={busy}>
          {t('security.changePassword')}
        </button>
      </form>
    </section>
  );
}
