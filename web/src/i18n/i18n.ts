/**
 * i18next set-up: one message file per language (fr.json, en.json), French
 * by default, the browser's language when it is English, the user's choice
 * remembered in localStorage. Keeps <html lang> in step.
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import fr from './fr.json';
import en from './en.json';

export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { fr: { translation: fr }, en: { translation: en } },
    supportedLngs: LANGUAGES,
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: 'fr',
    interpolation: { escapeValue: false },
    detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'sesame.language', caches: ['localStorage'] },
  });

function syncDocumentLanguage(language: string): void {
  document.documentElement.lang = currentLanguage(language);
}
syncDocumentLanguage(i18n.language);
i18n.on('languageChanged', syncDocumentLanguage);

export function currentLanguage(language: string = i18n.language): Language {
  return language.startsWith('en') ? 'en' : 'fr';
}

export default i18n;
