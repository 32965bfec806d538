/**
 * /two-factor: where the "2FA required" policy holds a local account
 * without it. Only enrolment and sign-out are offered; once the recovery
 * codes have been seen, the user goes back to the page they were on.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { safeReturnPath, useSession } from '../session/session.js';
import { LanguageSwitch } from '../ui/LanguageSwitch.js';
import { RecoveryCodesDialog } from './RecoveryCodesDialog.js';
import { TotpEnrolment } from './TotpEnrolment.js';

export function EnrolmentRequiredPage() {
  const { t } = useTranslation();
  const { state, updateUser, signOut } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [codes, setCodes] = useState<string[]>();
  const next = safeReturnPath(params.get('next'));

  if (state.status === 'loading') return null;
  if (state.status === 'signed-out') return <Navigate to={`/signin?next=${encodeURIComponent(next)}`} replace />;
  if (!state.enrolmentRequired && !codes) return <Navigate to={next} replace />;
  const { user } = state;

  return (
    <main className="signin" id="content">
      <section className="card enrolment-card" aria-labelledby="enrolment-title">
        <h1 id="enrolment-title">{t('enrolment.title')}</h1>
        <p className="brand">{t('app.name')}</p>
        <p>{t('enrolment.intro')}</p>
        <TotpEnrolment onEnabled={setCodes} />
        <p className="signin-links">
          <button
            type="button"
            className="link"
            onClick={() => void signOut().then(() => navigate('/signin', { replace: true }))}
          >
            {t('menu.signOut')}
          </button>
        </p>
      </section>
      <LanguageSwitch />
      {codes ? (
        <RecoveryCodesDialog
          codes={codes}
          username={user.username}
          onDone={() => {
            updateUser({ ...user, twoFactor: true });
            setCodes(undefined);
            navigate(next, { replace: true });
          }}
        />
      ) : null}
    </main>
  );
}
