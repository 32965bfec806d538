/** Paramètres: a side menu (Connexions, Sécurité) and the chosen section. */
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';

export function SettingsLayout() {
  const { t } = useTranslation();
  return (
    <div className="section-layout">
      <nav className="side-menu" aria-label={t('settings.menu')}>
        <h1>{t('settings.title')}</h1>
        <NavLink to="/settings/connections">{t('settings.connections')}</NavLink>
        <NavLink to="/settings/security">{t('settings.security')}</NavLink>
      </nav>
      <div className="section-body">
        <Outlet />
      </div>
    </div>
  );
}
