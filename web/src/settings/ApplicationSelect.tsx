/**
 * The choice of one application for a password (or none), labelled in the
 * interface's language. An application nothing serves yet is offered
 * disabled, saying so (except the one the password already has), so that no
 * one makes a password that cannot work.
 */
import { useTranslation } from 'react-i18next';
import type { Application } from '../api/types.js';
import { currentLanguage } from '../i18n/i18n.js';

export function ApplicationSelect({
  id,
  applications,
  value,
  noneLabel,
  describedBy,
  current = null,
  onChange,
}: {
  id: string;
  applications: Application[];
  value: string;
  noneLabel: string;
  describedBy?: string | undefined;
  /** The application the password has now: offered even if nothing serves it. */
  current?: string | null;
  onChange(value: string): void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <select id={id} value={value} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)}>
      <option value="">{noneLabel}</option>
      {applications.map((candidate) => (
        <option key={candidate.id} value={candidate.id} disabled={candidate.connectUrl === null && candidate.id !== current}>
          {candidate.connectUrl === null
            ? t('connect.optionNotYet', { application: candidate.label[currentLanguage(i18n.language)] })
            : candidate.label[currentLanguage(i18n.language)]}
        </option>
      ))}
    </select>
  );
}
