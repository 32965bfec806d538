/**
 * Every screen has its own URL, so that reload and back/forward work:
 * /signin, /two-factor (enrolment the policy requires), /login-flow (a client asks for access), / (files),
 * /settings/connections/{app-passwords,recent}, /settings/security,
 * /admin/{users,users/:id,policy,sso,audit}.
 */
import { Navigate, Route, Routes } from 'react-router';
import { RequireSession } from '../session/session.js';
import { SignIn } from './SignIn.js';
import { Shell } from './Shell.js';
import { Home } from './Home.js';
import { SettingsLayout } from '../settings/SettingsLayout.js';
import { ConnectionsPage } from '../settings/ConnectionsPage.js';
import { SecurityPage } from '../settings/SecurityPage.js';
import { EnrolmentRequiredPage } from '../security/EnrolmentRequiredPage.js';
import { AdminLayout } from '../admin/AdminLayout.js';
import { UsersPage } from '../admin/UsersPage.js';
import { UserPasswordsPage } from '../admin/UserPasswordsPage.js';
import { PolicyPage } from '../admin/PolicyPage.js';
import { AuditPage } from '../admin/AuditPage.js';
import { SsoPage } from '../admin/SsoPage.js';
import { LoginFlowRoute } from '../login-flow/LoginFlowPage.js';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignIn />} />
      <Route path="/two-factor" element={<EnrolmentRequiredPage />} />
      <Route path="/login-flow" element={<LoginFlowRoute />} />
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
          <Route path="security" element={<SecurityPage />} />
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
          <Route path="sso" element={<SsoPage />} />
          <Route path="audit" element={<AuditPage />} />
        </Route>
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
