/**
 * Every screen has its own URL, so that reload and back/forward work:
 * /signin, / (files), /settings/connections/{app-passwords,recent},
 * /admin/{users,users/:id,policy,audit}.
 */
import { Navigate, Route, Routes } from 'react-router';
import { RequireSession } from '../session/session.js';
import { SignIn } from './SignIn.js';
import { Shell } from './Shell.js';
import { Home } from './Home.js';
import { SettingsLayout } from '../settings/SettingsLayout.js';
import { ConnectionsPage } from '../settings/ConnectionsPage.js';
import { AdminLayout } from '../admin/AdminLayout.js';
import { UsersPage } from '../admin/UsersPage.js';
import { UserPasswordsPage } from '../admin/UserPasswordsPage.js';
import { PolicyPage } from '../admin/PolicyPage.js';
import { AuditPage } from '../admin/AuditPage.js';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignIn />} />
      <Route
        element={
          <RequireSession>
            <Shell />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        <Route path="settings" element={<SettingsLayout />}>
          <Route index element={<Navigate to="connections/app-passwords" replace />} />
          <Route path="connections" element={<Navigate to="app-passwords" replace />} />
          <Route path="connections/:tab" element={<ConnectionsPage />} />
        </Route>
        <Route
          path="admin"
          element={
            <RequireSession admin>
              <AdminLayout />
            </RequireSession>
          }
        >
          <Route index element={<Navigate to="users" replace />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="users/:id" element={<UserPasswordsPage />} />
          <Route path="policy" element={<PolicyPage />} />
          <Route path="audit" element={<AuditPage />} />
        </Route>
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
