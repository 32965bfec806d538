/**
 * The audit log, newest first, by pages (the API's opaque cursor kept in
 * the URL so that back/forward and reload keep the page), with filters on
 * the entries shown.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { errorMessage } from '../ui/error-message.js';
import { formatDate } from '../ui/format.js';
import { useLoad } from '../ui/use-load.js';

const PAGE = 50;

export function AuditPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const cursor = params.get('cursor') ?? undefined;
  const page = useLoad(() => api.audit({ limit: PAGE, ...(cursor ? { cursor } : {}) }), cursor ?? '');
  const [action, setAction] = useState('');
  const [who, setWho] = useState('');
  const entries = page.data?.entries ?? [];
  const nextCursor = page.data?.nextCursor ?? null;
  const actions = [...new Set(entries.map((entry) => entry.action))].sort();
  const needle = who.trim().toLowerCase();
  const shown = entries.filter(
    (entry) =>
      (action === '' || entry.action === action) &&
      (needle === '' || entry.actor.toLowerCase().includes(needle) || entry.target.toLowerCase().includes(needle)),
  );

  return (
    <section>
      <h2>{t('admin.audit')}</h2>
      <fieldset className="card inline-form">
        <legend>{t('admin.filter')}</legend>
        <div>
          <label htmlFor="audit-action">{t('admin.filterAction')}</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">{t('admin.allActions')}</option>
            {actions.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-who">{t('admin.filterActor')}</label>
          <input id="audit-who" value={who} onChange={(e) => setWho(e.target.value)} />
        </div>
      </fieldset>
      {page.error ? (
        <p className="error" role="alert">
          {errorMessage(t, page.error)}
        </p>
      ) : null}
      {page.data && shown.length === 0 ? <p>{t('admin.noEntries')}</p> : null}
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('admin.audit')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.at')}</th>
              <th scope="col">{t('admin.actor')}</th>
              <th scope="col">{t('admin.action')}</th>
              <th scope="col">{t('admin.target')}</th>
              <th scope="col">{t('admin.ip')}</th>
              <th scope="col">{t('admin.client')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr key={entry.id}>
                <td>{formatDate(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>{entry.action}</td>
                <td>{entry.target}</td>
                <td>{entry.ip}</td>
                <td>{entry.client}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={t('admin.pages')}>
        {cursor ? <Link to="/admin/audit">{t('admin.newest')}</Link> : null}
        {nextCursor ? <Link to={`/admin/audit?cursor=${encodeURIComponent(nextCursor)}`}>{t('admin.older')}</Link> : null}
      </nav>
    </section>
  );
}
