/**
 * Sign-in with username and password, then, for an account with two-factor
 * authentication, the code step (a code from the authenticator app, or a
 * recovery code) without asking the password again; returns to the page the
 * user was on. When SSO is configured, its button starts the provider's
 * sign-in as a full-page navigation, and a failed SSO sign-in comes back
 * here with ?sso_error=CODE, shown as a sentence (only known codes are read).
 * The password stays in this component's state only until the sign-in ends
 * or is abandoned.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { safeReturnPath, useSession } from '../session/session.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { LanguageSwitch } from '../ui/LanguageSwitch.js';
import { useLoad } from '../ui/use-load.js';
import { useSubmit } from '../ui/use-submit.js';
import { SSO_PAGE_ERRORS } from '../../../src/oidc/sso-page-errors.js';

type Step = 'password' | 'code' | 'recovery-code';

function ssoErrorKey(code: string | null): string | undefined {
  if (code === null) return undefined;
  return SSO_PAGE_ERRORS.some((known) => known === code) ? `ssoErrors.${code}` : 'ssoErrors.unknown';
}

/** The SSO start address, bringing the user back to the page they wanted. */
function ssoHref(startUrl: string, next: string): string {
  return next === '/' ? startUrl : `${startUrl}?${new URLSearchParams({ returnTo: next }).toString()}`;
}

export function SignIn() {
  const { t } = useTranslation();
  const { state, signedIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<Step>('password');
  const [code, setCode] = useState('');
  const passwordField = useRef<HTMLInputElement>(null);
  const sso = useLoad('sso', (signal) => api.sso(signal));
  const next = safeReturnPath(params.get('next'));
  const ssoError = ssoErrorKey(params.get('sso_error'));

  const signingIn = useSubmit(async () => {
    const totp = step === 'password' ? undefined : code.replace(/\s+/g, '');
    try {
      const session = await api.signIn({ username, password, ...(totp === undefined ? {} : { totp }) });
      setPassword('');
      signedIn(session.user);
      navigate(next, { replace: true });
    } catch (failure) {
      if (errorCode(failure) === 'TOTP_REQUIRED') {
        showStep('code');
        return;
      }
      // A wrong password is typed again from an empty field, where focus goes back.
      if (step === 'password' && errorCode(failure) === 'INVALID_CREDENTIALS') {
        setPassword('');
        passwordField.current?.focus();
      }
      throw failure;
    }
  });
  const failed = signingIn.failure;
  // After the right password, a refusal can only be the code's: say so rather than "wrong password".
  const error =
    failed === undefined
      ? undefined
      : step !== 'password' && errorCode(failed) === 'INVALID_CREDENTIALS'
        ? t('signIn.codeWrong')
        : errorMessage(t, failed);
  const busy = signingIn.busy;

  function showStep(target: Step) {
    setStep(target);
    setCode('');
    signingIn.clear();
    if (target === 'password') setPassword('');
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void signingIn.run();
  }

  if (state.status === 'signed-in') return <Navigate to={next} replace />;

  return (
    <main className="signin" id="content">
      <form className="card signin-card" onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <h1>{t('signIn.title')}</h1>
        <p className="brand">{t('app.name')}</p>
        {params.get('ended') ? <p className="notice">{t('signIn.sessionEnded')}</p> : null}
        {ssoError && step === 'password' ? (
          <p className="error" role="alert">
            {t(ssoError)}
          </p>
        ) : null}
        {step === 'password' ? (
          <>
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
              ref={passwordField}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </>
        ) : step === 'code' ? (
          <>
            <p id="signin-code-hint">{t('signIn.codeIntro')}</p>
            <label htmlFor="signin-code">{t('signIn.code')}</label>
            <input
              id="signin-code"
              className="secret"
              autoComplete="one-time-code"
              inputMode="numeric"
              required
              autoFocus
              aria-describedby="signin-code-hint"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          </>
        ) : (
          <>
            <p id="signin-recovery-hint">{t('signIn.recoveryIntro')}</p>
            <label htmlFor="signin-recovery">{t('signIn.recoveryCode')}</label>
            <input
              id="signin-recovery"
              className="secret"
              autoComplete="off"
              spellCheck={false}
              required
              autoFocus
              aria-describedby="signin-recovery-hint"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          </>
        )}
        <FieldError id="signin-error" message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {step === 'password' ? t('signIn.submit') : t('signIn.verify')}
        </button>
        {step !== 'password' ? (
          <p className="signin-links">
            <button type="button" className="link" onClick={() => showStep(step === 'code' ? 'recovery-code' : 'code')}>
              {step === 'code' ? t('signIn.useRecoveryCode') : t('signIn.useAppCode')}
            </button>
            <button type="button" className="link" onClick={() => showStep('password')}>
              {t('signIn.restart')}
            </button>
          </p>
        ) : null}
        {step === 'password' && sso.data?.enabled && sso.data.startUrl && sso.data.label ? (
          <>
            <p className="separator">{t('signIn.or')}</p>
            <a className="button sso-button" href={ssoHref(sso.data.startUrl, next)}>
              {sso.data.label}
            </a>
          </>
        ) : null}
      </form>
      <LanguageSwitch />
    </main>
  );
}
