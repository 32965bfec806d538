/** Application labels in the interface's language, from GET /applications. */
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import type { Application } from '../api/types.js';
import { currentLanguage } from '../i18n/i18n.js';
import { useLoad } from '../ui/use-load.js';

export function useApplications(): Application[] {
  return useLoad('applications', (signal) => api.applications(signal).then((reply) => reply.applications)).data ?? [];
}

export function useApplicationLabel(applications: Application[]): (id: string | null) => string | undefined {
  const { i18n } = useTranslation();
  return (id) => {
    if (id === null) return undefined;
    const application = applications.find((candidate) => candidate.id === id);
    return application ? application.label[currentLanguage(i18n.language)] : id;
  };
}
