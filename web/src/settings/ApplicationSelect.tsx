/** The choice of one application for a password (or none), labelled in the interface's language. */
import { useTranslation } from 'react-i18next';
import type { Application } from '../api/types.js';
import { currentLanguage } from '../i18n/i18n.js';

export function ApplicationSelect({
  id,
  applications,
  value,
  noneLabel,
  describedBy,
  onChange,
}: {
  id: string;
  applications: Application[];
  value: string;
  noneLabel: string;
  describedBy?: string | undefined;
  onChange(value: string): void;
}) {
  const { i18n } = useTranslation();
  return (
    <select id={id} value={value} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)}>
      <option value="">{noneLabel}</option>
      {applications.map((candidate) => (
        <option key={candidate.id} value={candidate.id}>
          {candidate.label[currentLanguage(i18n.language)]}
        </option>
      ))}
    </select>
  );
}
