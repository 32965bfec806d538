/** The language switch: French or English, remembered by the browser. */
import { useTranslation } from 'react-i18next';
import { LANGUAGES, currentLanguage } from '../i18n/i18n.js';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span>{t('language.label')}</span>
      <select value={currentLanguage(i18n.language)} onChange={(event) => void i18n.changeLanguage(event.target.value)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`language.${language}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
