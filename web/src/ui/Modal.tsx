/**
 * The frame of our dialogs (Radix Dialog: focus moved in and trapped,
 * Escape closes, focus returned to the opener): overlay, title,
 * description, content. Opened by being rendered; closing calls onClose.
 */
import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { useReturnFocus } from './return-focus.js';

export function Modal({
  title,
  description,
  onClose,
  returnFocusTo,
  children,
}: {
  title: string;
  description: ReactNode;
  onClose(): void;
  /** Where focus goes on closing, when not back to the opener (which may be gone). */
  returnFocusTo?: () => HTMLElement | null;
  children: ReactNode;
}) {
  const returnFocus = useReturnFocus(returnFocusTo);
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" onCloseAutoFocus={returnFocus}>
          <Dialog.Title>{title}</Dialog.Title>
          <Dialog.Description>{description}</Dialog.Description>
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A button that closes the dialog it is in (Annuler). */
export function CloseButton({ children }: { children: ReactNode }) {
  return (
    <Dialog.Close asChild>
      <button type="button">{children}</button>
    </Dialog.Close>
  );
}
