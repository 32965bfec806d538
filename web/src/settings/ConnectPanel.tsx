/**
 * « Comment se connecter »: for a password's application, the address to
 * type (from GET /applications, derived from the server's surface registry
 * and PUBLIC_URL), the username, and the steps per client (Windows, macOS,
 * Linux, rclone), including what a secret's first character can do (a `#`
 * starting a davfs2 comment, a `-` taken for an option). An application
 * that nothing serves yet says so plainly: its password has nothing to
 * connect to. Never shows a secret: the steps say where to paste it.
 */
import { useTranslation } from 'react-i18next';
import type { Application } from '../api/types.js';
import { currentLanguage } from '../i18n/i18n.js';
import { CopyField } from '../ui/CopyField.js';

export function ConnectPanel({
  id,
  application,
  applications,
  username,
}: {
  /** Unique on the page: ids of the fields inside derive from it. */
  id: string;
  /** The password's application; null while unassigned (bound by its first use). */
  application: string | null;
  applications: Application[];
  username: string;
}) {
  const { t } = useTranslation();
  const labelOf = (candidate: Application) => candidate.label[currentLanguage()];
  const assigned = applications.find((candidate) => candidate.id === application);
  const connectable = applications.filter((candidate) => candidate.connectUrl !== null);
  return (
    <details className="connect">
      <summary>{t('connect.title')}</summary>
      {application === null ? (
        <>
          <p>{t('connect.unassigned')}</p>
          {connectable.map((candidate) => (
            <ConnectSteps
              key={candidate.id}
              id={`${id}-${candidate.id}`}
              application={candidate}
              label={labelOf(candidate)}
              username={username}
            />
          ))}
          {applications
            .filter((candidate) => candidate.connectUrl === null)
            .map((candidate) => (
              <p key={candidate.id}>{t('connect.notYet', { application: labelOf(candidate) })}</p>
            ))}
        </>
      ) : assigned?.connectUrl ? (
        <ConnectSteps id={id} application={assigned} label={labelOf(assigned)} username={username} />
      ) : (
        <p className="notice">{t('connect.notYetAssigned', { application: assigned ? labelOf(assigned) : application })}</p>
      )}
    </details>
  );
}

function ConnectSteps({
  id,
  application,
  label,
  username,
}: {
  id: string;
  application: Application;
  label: string;
  username: string;
}) {
  const { t } = useTranslation();
  const url = application.connectUrl!;
  if (application.id !== 'webdav') {
    return (
      <section className="connect-steps" aria-label={label}>
        <h4>{label}</h4>
        <CopyField
          id={`${id}-url`}
          label={t('connect.address')}
          value={url}
          copyLabel={t('connect.copyAddress')}
          copiedText={t('connect.addressCopied')}
        />
        <p>{t('connect.usernameIs', { username })}</p>
      </section>
    );
  }
  // GNOME Files and other gvfs clients name WebDAV over TLS davs://, over plain HTTP dav://.
  const gvfsUrl = url.replace(/^https:/, 'davs:').replace(/^http:/, 'dav:');
  return (
    <section className="connect-steps" aria-label={label}>
      <h4>{label}</h4>
      <CopyField
        id={`${id}-url`}
        label={t('connect.address')}
        value={url}
        copyLabel={t('connect.copyAddress')}
        copiedText={t('connect.addressCopied')}
      />
      <p>{t('connect.credentials', { username })}</p>
      {url.startsWith('http:') ? <p className="notice">{t('connect.plainHttp')}</p> : null}

      <h5>{t('connect.windows')}</h5>
      <p>{t('connect.windowsSteps', { url })}</p>
      <pre>
        <code>{`net use Z: ${url} /user:${username} *`}</code>
      </pre>
      <p className="hint">{t('connect.windowsAsterisk')}</p>

      <h5>{t('connect.macos')}</h5>
      <p>{t('connect.macosSteps', { url })}</p>

      <h5>{t('connect.gnome')}</h5>
      <p>{t('connect.gnomeSteps', { url: gvfsUrl })}</p>

      <h5>{t('connect.davfs2')}</h5>
      <pre>
        <code>{`sudo mkdir -p /mnt/sesame
sudo nano /etc/davfs2/secrets
    ${url} ${username} "${t('connect.passwordPlaceholder')}"
sudo mount -t davfs ${url} /mnt/sesame`}</code>
      </pre>
      <p className="hint">{t('connect.davfs2Quotes')}</p>

      <h5>{t('connect.rclone')}</h5>
      <pre>
        <code>{`read -rs PASS
rclone config create sesame webdav url=${url} vendor=other user=${username} pass="$(printf '%s' "$PASS" | rclone obscure -)"
rclone lsd sesame:`}</code>
      </pre>
      <p className="hint">{t('connect.rcloneStdin')}</p>
    </section>
  );
}
