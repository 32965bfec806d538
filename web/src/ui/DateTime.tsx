/**
 * An instant as people read it, in one format per language everywhere
 * (cards, lists, tables), with the ISO 8601 instant in the `<time>`
 * element's title and datetime. The help page's sentence keeps its ISO form
 * and does not use this.
 */
import { useTranslation } from 'react-i18next';
import { formatDate } from './format.js';

export function DateTime({ value }: { value: string }) {
  useTranslation(); // re-renders on a change of language
  return (
    <time dateTime={value} title={value}>
      {formatDate(value)}
    </time>
  );
}
