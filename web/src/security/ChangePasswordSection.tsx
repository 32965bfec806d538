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

export function ChangePasswordSection() {
  const { t } = useTranslation();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setDone(undefined);
    if (newPassword !== repeated) {
      setError(t('security.passwordsDiffer'));
      return;
    }
    setBusy(true);
    try {
      const { revokedAppPasswords } = await api.changePassword({ currentPassword, newPassword });
      setCurrentPassword('');
      setNewPassword('');
      setRepeated('');
      setDone(t('security.passwordChanged', { count: revokedAppPasswords }));
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
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
