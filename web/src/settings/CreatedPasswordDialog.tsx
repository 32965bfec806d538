/**
 * Shows a new app password once: the help page's sentence with the expiry
 * as 2025-09-06T11:40:22+00:00, the secret in a monospace field with a copy
 * button and, to type it by hand, in groups of four in a font that tells
 * I l 1 O 0 apart; the username to type with it, and Terminer. It says the
 * secret will not be shown again, and closing it before the secret was
 * copied or selected asks first. The secret lives in this dialog's props
 * only: once closed, nothing in the page keeps it.
 */
import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { CopyField } from '../ui/CopyField.js';
import { SecretModal } from '../ui/SecretModal.js';
import type { Application } from '../api/types.js';
import { ConnectPanel } from './ConnectPanel.js';

/** The secret cut in groups of four characters, for reading aloud or typing by hand. */
export function groupsOf(secret: string, size = 4): string[] {
  const characters = [...secret];
  const groups: string[] = [];
  for (let start = 0; start < characters.length; start += size) groups.push(characters.slice(start, start + size).join(''));
  return groups;
}

export function CreatedPasswordDialog({
  secret,
  expiresAt,
  username,
  application,
  applications,
  onDone,
  returnFocusTo,
}: {
  secret: string;
  expiresAt: string;
  username: string;
  application: string | null;
  applications: Application[];
  onDone(): void;
  returnFocusTo?: () => HTMLElement | null;
}) {
  const { t } = useTranslation();
  const [kept, setKept] = useState(false);
  return (
    <SecretModal
      title={t('created.title')}
      description={
        <Trans
          i18nKey="created.sentence"
          values={{ expiresAt }}
          components={{ time: <time className="nowrap" dateTime={expiresAt} /> }}
        />
      }
      kept={kept}
      leave={{
        title: t('created.leaveTitle'),
        description: t('created.leaveDescription'),
        stay: t('created.stay'),
        leave: t('created.leave'),
      }}
      onDone={onDone}
      {...(returnFocusTo ? { returnFocusTo } : {})}
    >
      {(requestClose) => (
        <>
          <p className="notice" id="created-once">
            {t('created.once')}
          </p>
          <CopyField
            id="created-secret"
            label={t('created.password')}
            value={secret}
            copyLabel={t('created.copy')}
            copiedText={t('created.copied')}
            describedBy="created-once"
            onKept={() => setKept(true)}
          />
          <p className="hint" id="created-groups-label">
            {t('created.groups')}
          </p>
          <p className="secret-groups" aria-labelledby="created-groups-label">
            {groupsOf(secret).map((group, index) => (
              <span key={index}>{group}</span>
            ))}
          </p>
          <label htmlFor="created-username">{t('created.username')}</label>
          <input id="created-username" className="secret" readOnly value={username} />
          <p className="hint">{t('created.assignHint')}</p>
          <ConnectPanel id="created-connect" application={application} applications={applications} username={username} />
          <div className="dialog-buttons">
            <button type="button" className="primary" onClick={requestClose}>
              {t('created.done')}
            </button>
          </div>
        </>
      )}
    </SecretModal>
  );
}
