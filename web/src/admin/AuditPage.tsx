/**
 * The audit log, newest first, by pages (the API's opaque cursor kept in
 * the URL so that back/forward and reload keep the page), filtered by the
 * server on one action and/or one actor-or-target name (also in the URL).
 * Actions are shown by their label in the interface's language (the filter
 * offers every action the server records); a target names the account it
 * belongs to; the client by its short name, the full User-Agent on demand.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { ClientName } from '../ui/ClientName.js';
import { DateTime } from '../ui/DateTime.js';
import { LoadError } from '../ui/LoadError.js';
import { nameContext } from '../i18n/elision.js';
import { useLoad } from '../ui/use-load.js';

const PAGE = 50;

export function AuditPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const cursor = params.get('cursor') ?? undefined;
  const action = params.get('action') ?? '';
  const user = params.get('user') ?? '';
  const page = useLoad(
    'audit',
    (signal) =>
      api.audit({ limit: PAGE, ...(cursor ? { cursor } : {}), ...(action ? { action } : {}), ...(user ? { user } : {}) }, signal),
    params.toString(),
  );
  const [who, setWho] = useState(user);
  // Back/forward change the URL's filter: the field shows it rather than what was typed before.
  useEffect(() => setWho(user), [user]);
  const entries = page.data?.entries ?? [];
  const nextCursor = page.data?.nextCursor ?? null;
  const actions = [...new Set([...(page.data?.actions ?? []), ...(action ? [action] : [])])];
  const actionLabel = (name: string) => t(`auditActions.${name}`, { defaultValue: name });

  /** A new filter starts again from the newest entry. */
  function filterBy(next: { action: string; user: string }) {
    const search = new URLSearchParams();
    if (next.action) search.set('action', next.action);
    if (next.user.trim()) search.set('user', next.user.trim());
    setParams(search);
  }
  /** This filter's pages: the newest one without a cursor, an older one with it. */
  function pageUrl(next: string | null): string {
    const search = new URLSearchParams(params);
    if (next === null) search.delete('cursor');
    else search.set('cursor', next);
    const query = search.toString();
    return query ? `/admin/audit?${query}` : '/admin/audit';
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    filterBy({ action, user: who });
  }

  return (
    <section>
      <h2>{t('admin.audit')}</h2>
      <form onSubmit={submit}>
        <fieldset className="card inline-form">
          <legend>{t('admin.filter')}</legend>
          <div>
            <label htmlFor="audit-action">{t('admin.filterAction')}</label>
            <select id="audit-action" value={action} onChange={(e) => filterBy({ action: e.target.value, user: who })}>
              <option value="">{t('admin.allActions')}</option>
              {actions.map((name) => (
                <option key={name} value={name}>
                  {actionLabel(name)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="audit-who">{t('admin.filterActor')}</label>
            <input id="audit-who" value={who} onChange={(e) => setWho(e.target.value)} />
          </div>
          <button type="submit">{t('admin.applyFilter')}</button>
        </fieldset>
      </form>
      <LoadError error={page.error} retry={page.reload} />
      {page.data && entries.length === 0 ? <p>{t('admin.noEntries')}</p> : null}
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
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <DateTime value={entry.at} />
                </td>
                <td>{entry.actor}</td>
                <td>
                  <span className="audit-action" title={entry.action}>
                    {actionLabel(entry.action)}
                  </span>
                </td>
                <td>
                  {entry.target}
                  {entry.targetUsername && entry.targetUsername !== entry.target ? (
                    <span className="owner">
                      {' '}
                      {t('admin.ofAccount', { username: entry.targetUsername, ...nameContext(entry.targetUsername) })}
                    </span>
                  ) : null}
                </td>
                <td>{entry.ip}</td>
                <td className="audit-client">
                  <ClientName userAgent={entry.client} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={t('admin.pages')}>
        {cursor ? <Link to={pageUrl(null)}>{t('admin.newest')}</Link> : null}
        {nextCursor ? <Link to={pageUrl(nextCursor)}>{t('admin.older')}</Link> : null}
      </nav>
    </section>
  );
}
