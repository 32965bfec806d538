/**
 * French elision before a name: « Compte d'alice », « Compte de bob ». The
 * messages that put « de » before a name have an `_elided` form, chosen by
 * i18next's context; English has none and falls back to the plain form.
 */
export function nameContext(name: string): { context?: 'elided' } {
  return /^[aeiouyhàâäéèêëîïôöùûüœæ]/i.test(name) ? { context: 'elided' } : {};
}
