/**
 * The frame of every signed-in page: the side bar with the avatar at the
 * bottom left, whose menu (Radix DropdownMenu: keyboard, focus, Escape)
 * leads to Paramètres, Administration for admins, and sign-out.
 */
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { Folder, LogOut, Settings, ShieldCheck } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSession, useUser } from '../session/session.js';
import { LanguageSwitch } from '../ui/LanguageSwitch.js';
import { nameContext } from '../i18n/elision.js';

export function Shell() {
  const { t } = useTranslation();
  const user = useUser();
  const { signOut } = useSession();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <a className="skip" href="#content">
        {t('app.skip')}
      </a>
      <aside className="sidebar">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <nav aria-label={t('app.name')}>
          <NavLink to="/" end>
            <Folder aria-hidden size={18} /> {t('app.files')}
          </NavLink>
        </nav>
        <div className="sidebar-bottom">
          <DropdownMenu.Root modal={false}>
            <DropdownMenu.Trigger
              className="avatar"
              aria-label={t('menu.account', { username: user.username, ...nameContext(user.username) })}
            >
              <span aria-hidden>{user.username.slice(0, 1).toUpperCase()}</span>
            </DropdownMenu.Trigger>
            <DropdownMenu.Portal>
              <DropdownMenu.Content className="menu" side="top" align="start" sideOffset={6}>
                <DropdownMenu.Label className="menu-label">{user.username}</DropdownMenu.Label>
                <DropdownMenu.Item className="menu-item" onSelect={() => navigate('/settings/connections/app-passwords')}>
                  <Settings aria-hidden size={16} /> {t('menu.settings')}
                </DropdownMenu.Item>
                {user.role === 'admin' ? (
                  <DropdownMenu.Item className="menu-item" onSelect={() => navigate('/admin/users')}>
                    <ShieldCheck aria-hidden size={16} /> {t('menu.admin')}
                  </DropdownMenu.Item>
                ) : null}
                <DropdownMenu.Separator className="menu-separator" />
                <DropdownMenu.Item
                  className="menu-item"
                  onSelect={() => void signOut().then(() => navigate('/signin', { replace: true }))}
                >
                  <LogOut aria-hidden size={16} /> {t('menu.signOut')}
                </DropdownMenu.Item>
              </DropdownMenu.Content>
            </DropdownMenu.Portal>
          </DropdownMenu.Root>
          <LanguageSwitch />
        </div>
      </aside>
      <main className="content" id="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
