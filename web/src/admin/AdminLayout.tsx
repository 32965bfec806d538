/** Administration (admins only): a side menu of users, policy, SSO and the audit log. */
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';

export function AdminLayout() {
  const { t } = useTranslation();
  return (
    <div className="section-layout">
      <nav className="side-menu" aria-label={t('admin.menu')}>
        <h1>{t('admin.title')}</h1>
        <NavLink to="/admin/users">{t('admin.users')}</NavLink>
        <NavLink to="/admin/policy">{t('admin.policy')}</NavLink>
        <NavLink to="/admin/sso">{t('admin.sso')}</NavLink>
        <NavLink to="/admin/audit">{t('admin.audit')}</NavLink>
      </nav>
      <div className="section-body">
        <Outlet />
      </div>
    </div>
  );
}
