/** Dates for people, in the interface's language; the API's ISO instants stay as they are where the help page shows them so. */
import { currentLanguage } from '../i18n/i18n.js';

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage() === 'en' ? 'en-GB' : 'fr-FR', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
}

const FOURTEEN_DAYS_MS = 14 * 24 * 3600 * 1000;

export function expiresSoon(iso: string, now = Date.now()): boolean {
  const at = Date.parse(iso);
  return at > now && at - now <= FOURTEEN_DAYS_MS;
}

/** Length as the server counts it: code points after NFC and trimming. */
export function nameLength(name: string): number {
  return [...name.normalize('NFC').trim()].length;
}
