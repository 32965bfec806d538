/**
 * Sign-in with username and password; returns to the page the user was on.
 * The second factor and the SSO button come with their issue: their place
 * is the note below the form.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { safeReturnPath, useSession } from '../session/session.js';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { LanguageSwitch } from '../ui/LanguageSwitch.js';

export function SignIn() {
  const { t } = useTranslation();
  const { state, signedIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const next = safeReturnPath(params.get('next'));

  if (state.status === 'signed-in') return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.signIn({ username, password });
      setPassword('');
      signedIn(session.user);
      navigate(next, { replace: true });
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="content">
      <form className="card signin-card" onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <h1>{t('signIn.title')}</h1>
        <p className="brand">{t('app.name')}</p>
        {params.get('ended') ? <p className="notice">{t('signIn.sessionEnded')}</p> : null}
        <label htmlFor="signin-username">{t('signIn.username')}</label>
        <input
          id="signin-username"
          autoComplete="username"
          required
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="signin-password">{t('signIn.password')}</label>
        <input
          id="signin-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <FieldError id="signin-error" message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
        <p className="hint">{t('signIn.secondFactor')}</p>
      </form>
      <LanguageSwitch />
    </main>
  );
}
