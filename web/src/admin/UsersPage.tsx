/**
 * Users: create one; find one by name; for each, role and state, two-factor
 * authentication and the last sign-in; disable one or re-enable a disabled
 * one (after confirmation), reset the 2FA of one who lost it (after
 * confirmation: their sessions end), link a local one to an SSO identity
 * (when SSO is configured), open a user's app passwords. An administrator's
 * own account offers no "Désactiver" but says why (the server refuses it
 * too, as it refuses disabling the last enabled administrator).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import type { AdminUser, User } from '../api/types.js';
import { nameContext } from '../i18n/elision.js';
import { useUser } from '../session/session.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { DateTime } from '../ui/DateTime.js';
import { errorMessage, fieldOf } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';
import { useSubmit } from '../ui/use-submit.js';
import { LinkSsoDialog } from './LinkSsoDialog.js';

type Open = { dialog: 'state' | 'link' | 'reset'; user: AdminUser } | undefined;

export function UsersPage() {
  const { t } = useTranslation();
  const me = useUser();
  const users = useLoad('admin-users', (signal) => api.users(signal).then((reply) => reply.users));
  const sso = useLoad('sso', (signal) => api.sso(signal));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [created, setCreated] = useState<string>();
  const [open, setOpen] = useState<Open>();
  const [notice, setNotice] = useState<string>();
  const [search, setSearch] = useState('');
  const creating = useSubmit(async () => {
    setCreated(undefined);
    const reply = await api.createUser({ username, password, role: isAdmin ? 'admin' : 'user' });
    setCreated(reply.user.username);
    setUsername('');
    setPassword('');
    setIsAdmin(false);
    users.reload();
  });
  const field = fieldOf(creating.failure, {
    USERNAME_INVALID: 'username',
    USER_EXISTS: 'username',
    PASSWORD_TOO_SHORT: 'password',
    PASSWORD_TOO_LONG: 'password',
  });
  const message = creating.failure === undefined ? undefined : errorMessage(t, creating.failure);
  const query = search.trim().toLocaleLowerCase();
  const shown = users.data?.filter((user) => user.username.toLocaleLowerCase().includes(query));

  function create(event: FormEvent) {
    event.preventDefault();
    void creating.run();
  }

  return (
    <section>
      <h2>{t('admin.users')}</h2>
      <form className="card inline-form" onSubmit={create} noValidate>
        <div>
          <label htmlFor="new-username">{t('admin.username')}</label>
          <input id="new-username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          <FieldError id="new-username-error" message={field === 'username' ? message : undefined} />
        </div>
        <div>
          <label htmlFor="new-password">{t('admin.password')}</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <FieldError id="new-password-error" message={field === 'password' ? message : undefined} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
          {t('admin.isAdmin')}
        </label>
        <button type="submit" className="primary" disabled={creating.busy}>
          {t('admin.createUser')}
        </button>
        <FieldError id="new-user-error" message={field === 'form' ? message : undefined} />
        <p role="status">{created ? t('admin.userCreated', { username: created }) : ''}</p>
      </form>
      <LoadError error={users.error} retry={users.reload} />
      <p role="status">{notice ?? ''}</p>
      <div className="list-tools">
        <div>
          <label htmlFor="users-search">{t('admin.searchUsers')}</label>
          <input id="users-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </div>
      {shown && shown.length === 0 && users.data?.length ? <p>{t('admin.noUserFound')}</p> : null}
      <ul className="cards" aria-label={t('admin.users')}>
        {shown?.map((user) => (
          <li key={user.id} className="card user-row">
            <div>
              <h3>{user.username}</h3>
              <p>
                {user.role === 'admin' ? t('admin.roleAdmin') : t('admin.roleUser')} ·{' '}
                {user.disabled ? <span className="badge danger">{t('admin.disabled')}</span> : t('admin.active')}
                {user.authSource === 'oidc' ? <span className="badge">{t('admin.sso')}</span> : null}
              </p>
              <dl className="facts compact-facts">
                <div>
                  <dt>{t('admin.twoFactor')}</dt>
                  <dd>
                    {user.authSource === 'oidc'
                      ? t('admin.twoFactorSso')
                      : user.twoFactor
                        ? t('admin.twoFactorOn')
                        : t('admin.twoFactorOff')}
                  </dd>
                </div>
                <div>
                  <dt>{t('admin.lastSignIn')}</dt>
                  <dd>{user.lastSignInAt ? <DateTime value={user.lastSignInAt} /> : t('admin.neverSignedIn')}</dd>
                </div>
              </dl>
            </div>
            <div className="actions">
              <Link to={`/admin/users/${encodeURIComponent(user.id)}`}>
                {t('admin.passwordsOf', { username: user.username, ...nameContext(user.username) })}
              </Link>
              {user.twoFactor && user.authSource === 'local' ? (
                <button type="button" onClick={() => setOpen({ dialog: 'reset', user })}>
                  {t('admin.resetTwoFactor', { username: user.username, ...nameContext(user.username) })}
                </button>
              ) : null}
              {sso.data?.enabled && user.authSource === 'local' ? (
                <button type="button" onClick={() => setOpen({ dialog: 'link', user })}>
                  {t('admin.linkSso', { username: user.username })}
                </button>
              ) : null}
              {/* One button whose action follows the state: focus returns to it, now offering the opposite. */}
              {user.id === me.id ? (
                <p className="hint">{t('admin.cannotDisableSelf')}</p>
              ) : (
                <button
                  type="button"
                  className={user.disabled ? undefined : 'danger-outline'}
                  onClick={() => setOpen({ dialog: 'state', user })}
                >
                  {t(user.disabled ? 'admin.enable' : 'admin.disable', { username: user.username })}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {open?.dialog === 'link' ? (
        <LinkSsoDialog
          user={open.user}
          onClose={() => setOpen(undefined)}
          onLinked={(user) => {
            setOpen(undefined);
            setNotice(t('admin.ssoLinked', { username: user.username }));
            users.reload();
          }}
        />
      ) : null}
      {open?.dialog === 'state' ? (
        <ChangeStateDialog
          user={open.user}
          onClose={() => setOpen(undefined)}
          onChanged={(user) => {
            setNotice(t(user.disabled ? 'admin.userDisabled' : 'admin.userEnabled', { username: user.username }));
            users.reload();
          }}
        />
      ) : null}
      {open?.dialog === 'reset' ? (
        <ConfirmDialog
          title={t('admin.resetTwoFactorTitle', { username: open.user.username, ...nameContext(open.user.username) })}
          description={t('admin.resetTwoFactorDescription')}
          cancel={t('admin.cancel')}
          confirm={t('admin.confirmResetTwoFactor')}
          onClose={() => setOpen(undefined)}
          onConfirm={async () => {
            const reply = await api.resetTwoFactor(open.user.id);
            setNotice(t('admin.twoFactorWasReset', { username: reply.user.username, ...nameContext(reply.user.username) }));
            users.reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** Confirms disabling an enabled account, or re-enabling a disabled one. */
function ChangeStateDialog({ user, onClose, onChanged }: { user: User; onClose(): void; onChanged(user: User): void }) {
  const { t } = useTranslation();
  const enabling = user.disabled;
  const description = enabling
    ? [t('admin.enableDescription'), ...(user.authSource === 'oidc' ? [t('admin.enableSsoNote')] : [])].join(' ')
    : t('admin.disableDescription');
  return (
    <ConfirmDialog
      title={t(enabling ? 'admin.enableTitle' : 'admin.disableTitle', { username: user.username })}
      description={description}
      cancel={t('admin.cancel')}
      confirm={t(enabling ? 'admin.confirmEnable' : 'admin.confirmDisable')}
      tone={enabling ? 'primary' : 'danger'}
      onClose={onClose}
      onConfirm={async () => {
        const reply = await (enabling ? api.enableUser : api.disableUser)(user.id);
        onChanged(reply.user);
      }}
    />
  );
}
