/**
 * The frame of a dialog that shows a secret once (a new app password,
 * recovery codes): it says that the secret will not be shown again, and
 * any way of closing it — Terminer, Escape, a click outside — asks first
 * while the secret has not been kept (copied, selected, downloaded or
 * printed: the caller says when). Focus then goes where the caller says,
 * never to the page body. It keeps nothing once closed.
 */
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState, type ReactNode } from 'react';
import { Modal } from './Modal.js';
import { useReturnFocus } from './return-focus.js';

export interface LeaveTexts {
  title: string;
  description: string;
  stay: string;
  leave: string;
}

export function SecretModal({
  title,
  description,
  kept,
  leave,
  onDone,
  returnFocusTo,
  children,
}: {
  title: string;
  description: ReactNode;
  /** Whether the secret has been copied, selected, downloaded or printed. */
  kept: boolean;
  leave: LeaveTexts;
  onDone(): void;
  /** Where focus goes once the dialog is closed (the element that now shows what was made). */
  returnFocusTo?: () => HTMLElement | null;
  /** The content, given the one way to close: it asks first while the secret was not kept. */
  children: (requestClose: () => void) => ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const requestClose = () => (kept ? onDone() : setAsking(true));
  return (
    <Modal title={title} description={description} onClose={requestClose} {...(returnFocusTo ? { returnFocusTo } : {})}>
      {children(requestClose)}
      {asking ? <LeaveQuestion texts={leave} onStay={() => setAsking(false)} onLeave={onDone} /> : null}
    </Modal>
  );
}

/** "Close without keeping it?": staying returns focus where it was in the secret's dialog. */
function LeaveQuestion({ texts, onStay, onLeave }: { texts: LeaveTexts; onStay(): void; onLeave(): void }) {
  const returnFocus = useReturnFocus();
  return (
    <AlertDialog.Root open onOpenChange={(open) => !open && onStay()}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="overlay" />
        <AlertDialog.Content className="dialog" onCloseAutoFocus={returnFocus}>
          <AlertDialog.Title>{texts.title}</AlertDialog.Title>
          <AlertDialog.Description>{texts.description}</AlertDialog.Description>
          <div className="dialog-buttons">
            <AlertDialog.Cancel asChild>
              <button type="button" className="primary">
                {texts.stay}
              </button>
            </AlertDialog.Cancel>
            <button type="button" className="danger" onClick={onLeave}>
              {texts.leave}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
