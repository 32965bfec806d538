/**
 * A screen's loading failure, above what it showed before (kept), with
 * « Réessayer ».
 */
import { useTranslation } from 'react-i18next';
import { errorMessage } from './error-message.js';

export function LoadError({ error, retry }: { error: unknown; retry(): void }) {
  const { t } = useTranslation();
  if (error === undefined) return null;
  return (
    <div className="error load-error" role="alert">
      <p>{errorMessage(t, error)}</p>
      <button type="button" onClick={retry}>
        {t('app.retry')}
      </button>
    </div>
  );
}
