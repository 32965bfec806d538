/**
 * A confirmation (Radix AlertDialog: focus trapped, Escape cancels, focus
 * returns to the button that opened it) naming what will be lost, or come
 * back; shows the action's error in place when it fails.
 */
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './error-message.js';
import { FieldError } from './FieldError.js';
import { useReturnFocus } from './return-focus.js';
import { useSubmit } from './use-submit.js';

export function ConfirmDialog({
  title,
  description,
  cancel,
  confirm,
  tone = 'danger',
  onConfirm,
  onClose,
}: {
  title: string;
  description: string;
  cancel: string;
  confirm: string;
  /** The confirm button's look: 'danger' for what loses something, 'primary' for what gives back. */
  tone?: 'danger' | 'primary';
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const returnFocus = useReturnFocus();
  const confirming = useSubmit(async () => {
    await onConfirm();
    onClose();
  });
  const error = confirming.failure === undefined ? undefined : errorMessage(t, confirming.failure);

  return (
    <AlertDialog.Root open onOpenChange={(open) => !open && onClose()}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="overlay" />
        <AlertDialog.Content className="dialog" onCloseAutoFocus={returnFocus}>
          <AlertDialog.Title>{title}</AlertDialog.Title>
          <AlertDialog.Description>{description}</AlertDialog.Description>
          <FieldError id="confirm-error" message={error} />
          <div className="dialog-buttons">
            <AlertDialog.Cancel asChild>
              <button type="button">{cancel}</button>
            </AlertDialog.Cancel>
            <button type="button" className={tone} disabled={confirming.busy} onClick={() => void confirming.run()}>
              {confirm}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
