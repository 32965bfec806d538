/** The landing page after sign-in (the file browser comes with its issue). */
import { useTranslation } from 'react-i18next';

export function Home() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('app.files')}</h1>
      <p>{t('app.filesIntro')}</p>
    </section>
  );
}
