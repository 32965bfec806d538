/**
 * Returns focus when a dialog closes. Our dialogs are opened from state
 * rather than from a Radix Trigger, so Radix has no trigger to return to;
 * this remembers the element focused when the dialog first rendered, or
 * goes where the caller says (the card a dialog created, when the opener
 * is gone), never leaving focus on the page body.
 */
import { useRef } from 'react';

export function useReturnFocus(target?: () => HTMLElement | null): (event: Event) => void {
  const opener = useRef(document.activeElement instanceof HTMLElement ? document.activeElement : null);
  return (event) => {
    event.preventDefault();
    const chosen = target?.() ?? (opener.current?.isConnected ? opener.current : null);
    chosen?.focus();
  };
}
