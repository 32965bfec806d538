/** A connection's client by its short name (« Chrome 156 · Linux »), the full User-Agent one click away. */
import { useTranslation } from 'react-i18next';
import { clientName } from './client-name.js';

export function ClientName({ userAgent }: { userAgent: string }) {
  const { t } = useTranslation();
  const name = clientName(userAgent, (key) => t(key));
  if (name === '') return <>—</>;
  if (name === userAgent.trim()) return <span className="client">{userAgent}</span>;
  return (
    <details className="client-name">
      <summary>{name}</summary>
      <span className="client">{userAgent}</span>
    </details>
  );
}
