/** The trash's confirmation, naming the password; deletes it (its secret is refused from the next request). */
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';

export function DeleteAppPasswordDialog({
  appPassword,
  onDeleted,
  onClose,
}: {
  appPassword: { id: string; name: string };
  onDeleted(): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  return (
    <ConfirmDialog
      title={t('delete.title', { name: appPassword.name })}
      description={t('delete.description')}
      cancel={t('delete.cancel')}
      confirm={t('delete.confirm')}
      onClose={onClose}
      onConfirm={async () => {
        await api.deleteAppPassword(appPassword.id);
        onDeleted();
      }}
    />
  );
}
