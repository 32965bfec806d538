/**
 * Paramètres → Sécurité: for a local account, the primary password and the
 * double authentification; an account that signs in through the
 * organisation's SSO has neither here, and the page says so.
 */
import { useTranslation } from 'react-i18next';
import { useUser } from '../session/session.js';
import { ChangePasswordSection } from '../security/ChangePasswordSection.js';
import { TwoFactorSection } from '../security/TwoFactorSection.js';

export function SecurityPage() {
  const { t } = useTranslation();
  const user = useUser();
  return (
    <section className="stack">
      <h2>{t('security.title')}</h2>
      {user.authSource === 'oidc' ? (
        <p className="card">{t('security.ssoAccount')}</p>
      ) : (
        <>
          <ChangePasswordSection />
          <TwoFactorSection />
        </>
      )}
    </section>
  );
}
