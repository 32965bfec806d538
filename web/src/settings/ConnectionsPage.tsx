/**
 * Connexions: two tabs (Radix Tabs), each with its own URL —
 * /settings/connections/recent and /settings/connections/app-passwords.
 */
import * as Tabs from '@radix-ui/react-tabs';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams } from 'react-router';
import { AppPasswordsTab } from './AppPasswordsTab.js';
import { RecentConnectionsTab } from './RecentConnectionsTab.js';

const TABS = ['recent', 'app-passwords'] as const;
type Tab = (typeof TABS)[number];

function isTab(value: string | undefined): value is Tab {
  return TABS.some((tab) => tab === value);
}

export function ConnectionsPage() {
  const { t } = useTranslation();
  const { tab } = useParams();
  const navigate = useNavigate();
  if (!isTab(tab)) return <Navigate to="/settings/connections/app-passwords" replace />;
  return (
    <section>
      <h2>{t('connections.title')}</h2>
      <Tabs.Root value={tab} activationMode="manual" onValueChange={(value) => navigate(`/settings/connections/${value}`)}>
        <Tabs.List className="tabs" aria-label={t('connections.tabs')}>
          <Tabs.Trigger value="recent" className="tab">
            {t('connections.recentTab')}
          </Tabs.Trigger>
          <Tabs.Trigger value="app-passwords" className="tab">
            {t('connections.appPasswordsTab')}
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="recent" className="tab-panel">
          <RecentConnectionsTab />
        </Tabs.Content>
        <Tabs.Content value="app-passwords" className="tab-panel">
          <AppPasswordsTab />
        </Tabs.Content>
      </Tabs.Root>
    </section>
  );
}
