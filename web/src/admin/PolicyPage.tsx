/**
 * The policy: app-password lifetime and maximum, primary password over Basic,
 * revocation on password change, two-factor authentication required of local accounts.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { Policy } from '../api/types.js';
import { errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { LoadError } from '../ui/LoadError.js';
import { useLoad } from '../ui/use-load.js';
import { useSubmit } from '../ui/use-submit.js';

export function PolicyPage() {
  const { t } = useTranslation();
  const loaded = useLoad('policy', (signal) => api.policy(signal));
  const [policy, setPolicy] = useState<Policy>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setPolicy(loaded.data), [loaded.data]);
  const saving = useSubmit(async (changed: Policy) => {
    setSaved(false);
    setPolicy(await api.updatePolicy(changed));
    setSaved(true);
  });

  function save(event: FormEvent) {
    event.preventDefault();
    if (policy) void saving.run(policy);
  }

  return (
    <section>
      <h2>{t('admin.policy')}</h2>
      <LoadError error={loaded.error} retry={loaded.reload} />
      {policy ? (
        <form className="card" onSubmit={save} noValidate>
          <label htmlFor="policy-lifetime">{t('admin.lifetime')}</label>
          <input
            id="policy-lifetime"
            type="number"
            min={1}
            max={3650}
            value={policy.appPasswordLifetimeDays}
            onChange={(e) => setPolicy({ ...policy, appPasswordLifetimeDays: e.target.valueAsNumber })}
          />
          <label htmlFor="policy-max">{t('admin.maxActive')}</label>
          <input
            id="policy-max"
            type="number"
            min={1}
            max={1000}
            value={policy.maxActiveAppPasswords}
            onChange={(e) => setPolicy({ ...policy, maxActiveAppPasswords: e.target.valueAsNumber })}
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={policy.allowPrimaryPasswordOverBasic}
              onChange={(e) => setPolicy({ ...policy, allowPrimaryPasswordOverBasic: e.target.checked })}
            />
            {t('admin.allowPrimary')}
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={policy.revokeAppPasswordsOnPasswordChange}
              onChange={(e) => setPolicy({ ...policy, revokeAppPasswordsOnPasswordChange: e.target.checked })}
            />
            {t('admin.revokeOnChange')}
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={policy.requireTwoFactorForLocalAccounts}
              aria-describedby="policy-two-factor-hint"
              onChange={(e) => setPolicy({ ...policy, requireTwoFactorForLocalAccounts: e.target.checked })}
            />
            {t('admin.requireTwoFactor')}
          </label>
          <p id="policy-two-factor-hint" className="hint">
            {t('admin.requireTwoFactorHint')}
          </p>
          <FieldError id="policy-error" message={saving.failure === undefined ? undefined : errorMessage(t, saving.failure)} />
          <p role="status">{saved ? t('admin.saved') : ''}</p>
          <button type="submit" className="primary" disabled={saving.busy}>
            {t('admin.save')}
          </button>
        </form>
      ) : null}
    </section>
  );
}
