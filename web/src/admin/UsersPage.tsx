/**
 * Users: create one, disable one or re-enable a disabled one (after
 * confirmation), link a local one to an SSO identity (when SSO is
 * configured), open a user's app passwords. An administrator's own account
 * offers no "Désactiver" but says why (the server refuses it too, as it
 * refuses disabling the last enabled administrator).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client.js';
import type { User } from '../api/types.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { useLoad } from '../ui/use-load.js';
import { useUser } from '../session/session.js';
import { LinkSsoDialog } from './LinkSsoDialog.js';

export function UsersPage() {
  const { t } = useTranslation();
  const me = useUser();
  const users = useLoad(() => api.users().then((reply) => reply.users));
  const sso = useLoad(() => api.sso());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [error, setError] = useState<{ field: 'username' | 'password' | 'form'; message: string }>();
  const [created, setCreated] = useState<string>();
  const [changingState, setChangingState] = useState<User>();
  const [linking, setLinking] = useState<User>();
  const [notice, setNotice] = useState<string>();

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const reply = await api.createUser({ username, password, role: isAdmin ? 'admin' : 'user' });
      setCreated(reply.user.username);
      setUsername('');
      setPassword('');
      setIsAdmin(false);
      users.reload();
    } catch (failure) {
      const code = errorCode(failure) ?? '';
      const field = code.startsWith('USER') ? 'username' : code.startsWith('PASSWORD') ? 'password' : 'form';
      setError({ field, message: errorMessage(t, failure) });
    }
  }

  return (
    <section>
      <h2>{t('admin.users')}</h2>
      <form className="card inline-form" onSubmit={create} noValidate>
        <div>
          <label htmlFor="new-username">{t('admin.username')}</label>
          <input id="new-username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          <FieldError id="new-username-error" message={error?.field === 'username' ? error.message : undefined} />
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
          <FieldError id="new-password-error" message={error?.field === 'password' ? error.message : undefined} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
          {t('admin.isAdmin')}
        </label>
        <button type="submit" className="primary">
          {t('admin.createUser')}
        </button>
        <FieldError id="new-user-error" message={error?.field === 'form' ? error.message : undefined} />
        <p role="status">{created ? t('admin.userCreated', { username: created }) : ''}</p>
      </form>
      {users.error ? (
        <p className="error" role="alert">
          {errorMessage(t, users.error)}
        </p>
      ) : null}
      <p role="status">{notice ?? ''}</p>
      <ul className="cards" aria-label={t('admin.users')}>
        {users.data?.map((user) => (
          <li key={user.id} className="card user-row">
            <div>
              <h3>{user.username}</h3>
              <p>
                {user.role === 'admin' ? t('admin.roleAdmin') : t('admin.roleUser')} ·{' '}
                {user.disabled ? <span className="badge danger">{t('admin.disabled')}</span> : t('admin.active')}
                {user.authSource === 'oidc' ? <span className="badge">{t('admin.sso')}</span> : null}
              </p>
            </div>
            <div className="actions">
              <Link to={`/admin/users/${encodeURIComponent(user.id)}`}>
                {t('admin.passwordsOf', { username: user.username })}
              </Link>
              {sso.data?.enabled && user.authSource === 'local' ? (
                <button type="button" onClick={() => setLinking(user)}>
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
                  onClick={() => setChangingState(user)}
                >
                  {t(user.disabled ? 'admin.enable' : 'admin.disable', { username: user.username })}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {linking ? (
        <LinkSsoDialog
          user={linking}
          onClose={() => setLinking(undefined)}
          onLinked={(user) => {
            setLinking(undefined);
            setNotice(t('admin.ssoLinked', { username: user.username }));
            users.reload();
          }}
        />
      ) : null}
      {changingState ? (
        <ChangeStateDialog
          user={changingState}
          onClose={() => setChangingState(undefined)}
          onChanged={(user) => {
            setNotice(t(user.disabled ? 'admin.userDisabled' : 'admin.userEnabled', { username: user.username }));
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
