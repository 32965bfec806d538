/**
 * Tab "Mot de passe d'application": the help page's sentence, the "+"
 * button (disabled at the policy's limit, saying why, with « 12 / 50 »
 * above the list), search, sort and a compact view, the cards with
 * Configurer and the trash, the « Historique » of passwords revoked,
 * deleted or expired in the last 90 days, and the help page's remark. The
 * one place a new secret is held: the `created` state, cleared by Terminer.
 * What was shown stays on screen when the server cannot be reached, with
 * the error and « Réessayer » above it.
 */
import { Plus, Trash2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { AppPassword, CreatedAppPassword } from '../api/types.js';
import { useUser } from '../session/session.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';
import { AppPasswordCard } from './AppPasswordCard.js';
import { AppPasswordHistory } from './AppPasswordHistory.js';
import { useApplicationLabel, useApplications } from './applications.js';
import { ConfigureDialog } from './ConfigureDialog.js';
import { ConnectPanel } from './ConnectPanel.js';
import { CreateAppPasswordDialog } from './CreateAppPasswordDialog.js';
import { CreatedPasswordDialog } from './CreatedPasswordDialog.js';
import { DeleteAppPasswordDialog } from './DeleteAppPasswordDialog.js';

type Open =
  | { dialog: 'none' }
  | { dialog: 'create' }
  | { dialog: 'created'; created: CreatedAppPassword }
  | { dialog: 'configure'; appPassword: AppPassword }
  | { dialog: 'delete'; appPassword: AppPassword };

const SORTS = ['created', 'name', 'last-use', 'expiry'] as const;
type Sort = (typeof SORTS)[number];

/** How long a card named by a link from Connexions récentes stays highlighted. */
const HIGHLIGHT_MS = 4000;

function sortPasswords(passwords: AppPassword[], sort: Sort, locale: string): AppPassword[] {
  const sorted = [...passwords];
  if (sort === 'name') sorted.sort((a, b) => a.name.localeCompare(b.name, locale, { sensitivity: 'base' }));
  // Most recently used first; never used last.
  if (sort === 'last-use') sorted.sort((a, b) => (b.lastUsed?.at ?? '').localeCompare(a.lastUsed?.at ?? ''));
  // Soonest to expire first.
  if (sort === 'expiry') sorted.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  return sorted;
}

export function AppPasswordsTab() {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const list = useLoad('app-passwords', (signal) => api.appPasswords(signal));
  const applications = useApplications();
  const applicationLabel = useApplicationLabel(applications);
  const [open, setOpen] = useState<Open>({ dialog: 'none' });
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>('created');
  const [compact, setCompact] = useState(false);
  const [highlighted, setHighlighted] = useState<string>();
  const addButton = useRef<HTMLButtonElement>(null);
  const close = () => setOpen({ dialog: 'none' });
  const { hash } = useLocation();
  const limits = list.data?.limits;
  const atLimit = limits !== undefined && limits.active >= limits.maxActive;
  // Expired passwords leave the list for the history, where the revoked ones are.
  const current = list.data?.appPasswords.filter((appPassword) => !appPassword.expired) ?? [];
  const query = search.trim().toLocaleLowerCase();
  const shown = sortPasswords(
    current.filter((appPassword) => appPassword.name.toLocaleLowerCase().includes(query)),
    sort,
    i18n.language,
  );
  const expired = list.data?.appPasswords.filter((appPassword) => appPassword.expired) ?? [];

  // The card of a password just created takes focus once it is listed (the list may still be loading when the dialog closes).
  const [focusCard, setFocusCard] = useState<string>();
  useEffect(() => {
    if (focusCard === undefined) return;
    const card = document.getElementById(`app-password-${focusCard}`);
    if (!card) return;
    card.focus();
    setFocusCard(undefined);
  }, [focusCard, list.data]);

  // A link from Connexions récentes names one password: bring its card into view, focus and highlight it.
  useEffect(() => {
    if (!hash || !list.data) return;
    const id = decodeURIComponent(hash.slice(1));
    const target = document.getElementById(id);
    if (!target) return;
    target.scrollIntoView({ block: 'center' });
    target.focus();
    setHighlighted(id);
    const timer = setTimeout(() => setHighlighted(undefined), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [hash, list.data]);

  return (
    <div>
      <div className="tab-head">
        <div>
          <h3>{t('appPasswords.title')}</h3>
          <p>{t('appPasswords.intro')}</p>
        </div>
        <button
          ref={addButton}
          type="button"
          className="primary icon"
          aria-label={t('appPasswords.add')}
          title={atLimit ? t('appPasswords.atLimit', { max: limits.maxActive }) : t('appPasswords.add')}
          aria-disabled={atLimit ? true : undefined}
          aria-describedby={atLimit ? 'app-passwords-limit' : undefined}
          onClick={() => {
            if (!atLimit) setOpen({ dialog: 'create' });
          }}
        >
          <Plus aria-hidden size={20} />
        </button>
      </div>
      <LoadError error={list.error} retry={list.reload} />
      {limits ? (
        <p className="limit-line">
          <span className="count" aria-label={t('appPasswords.countLabel', { active: limits.active, max: limits.maxActive })}>
            {limits.active} / {limits.maxActive}
          </span>
          {atLimit ? (
            <span id="app-passwords-limit" className="limit-reason">
              {t('appPasswords.atLimit', { max: limits.maxActive })}
            </span>
          ) : null}
        </p>
      ) : null}
      {current.length > 0 ? (
        <div className="list-tools">
          <div>
            <label htmlFor="app-passwords-search">{t('appPasswords.search')}</label>
            <input id="app-passwords-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
          </div>
          <div>
            <label htmlFor="app-passwords-sort">{t('appPasswords.sort')}</label>
            <select id="app-passwords-sort" value={sort} onChange={(event) => setSort(event.target.value as Sort)}>
              {SORTS.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {t(`appPasswords.sortBy.${candidate}`)}
                </option>
              ))}
            </select>
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={compact} onChange={(event) => setCompact(event.target.checked)} />
            {t('appPasswords.compact')}
          </label>
        </div>
      ) : null}
      {list.data && current.length === 0 ? <p>{t('appPasswords.empty')}</p> : null}
      {current.length > 0 && shown.length === 0 ? <p>{t('appPasswords.noneFound')}</p> : null}
      <ul className={compact ? 'cards compact' : 'cards'} aria-label={t('appPasswords.list')}>
        {shown.map((appPassword) => (
          <AppPasswordCard
            key={appPassword.id}
            appPassword={appPassword}
            applicationLabel={applicationLabel}
            highlighted={highlighted === `app-password-${appPassword.id}`}
            footer={
              compact ? null : (
                <ConnectPanel
                  id={`connect-${appPassword.id}`}
                  application={appPassword.application}
                  applications={applications}
                  username={user.username}
                />
              )
            }
            actions={
              <>
                <button type="button" onClick={() => setOpen({ dialog: 'configure', appPassword })}>
                  {t('appPasswords.configure')}
                </button>
                <button
                  type="button"
                  className="icon danger-outline"
                  aria-label={t('appPasswords.delete', { name: appPassword.name })}
                  title={t('appPasswords.delete', { name: appPassword.name })}
                  onClick={() => setOpen({ dialog: 'delete', appPassword })}
                >
                  <Trash2 aria-hidden size={18} />
                </button>
              </>
            }
          />
        ))}
      </ul>
      {list.data ? (
        <AppPasswordHistory
          ended={list.data.history}
          expired={expired}
          applicationLabel={applicationLabel}
          username={user.username}
        />
      ) : null}
      <aside className="remark" aria-labelledby="remark-title">
        <h4 id="remark-title">{t('appPasswords.remarkTitle')}</h4>
        <ul>
          <li>
            <Trans
              i18nKey="appPasswords.remarkOnce"
              components={{ trash: <Trash2 size={14} role="img" aria-label={t('appPasswords.trashIcon')} /> }}
            />
          </li>
          <li>{t('appPasswords.remarkOnePerApp')}</li>
        </ul>
      </aside>

      {open.dialog === 'create' && limits ? (
        <CreateAppPasswordDialog
          applications={applications}
          lifetimeDays={limits.lifetimeDays}
          onClose={close}
          onCreated={(created) => {
            setOpen({ dialog: 'created', created });
            list.reload();
          }}
        />
      ) : null}
      {open.dialog === 'created' ? (
        <CreatedPasswordDialog
          secret={open.created.password}
          expiresAt={open.created.appPassword.expiresAt}
          username={user.username}
          application={open.created.appPassword.application}
          applications={applications}
          onDone={() => {
            setFocusCard(open.created.appPassword.id);
            close();
          }}
          returnFocusTo={() => document.getElementById(`app-password-${open.created.appPassword.id}`)}
        />
      ) : null}
      {open.dialog === 'configure' ? (
        <ConfigureDialog
          appPassword={open.appPassword}
          applications={applications}
          onClose={close}
          onSaved={() => {
            close();
            list.reload();
          }}
        />
      ) : null}
      {open.dialog === 'delete' ? (
        <DeleteAppPasswordDialog appPassword={open.appPassword} onClose={close} onDeleted={list.reload} />
      ) : null}
    </div>
  );
}
