/**
 * Returns focus to what opened a dialog when it closes. Our dialogs are
 * opened from state rather than from a Radix Trigger, so Radix has no
 * trigger to return to; this remembers the element focused when the
 * dialog first rendered (or a fallback when that one is gone).
 */
import { useRef, type RefObject } from 'react';

export function useReturnFocus(fallback?: RefObject<HTMLElement | null>): (event: Event) => void {
  const opener = useRef(document.activeElement instanceof HTMLElement ? document.activeElement : null);
  return (event) => {
    event.preventDefault();
    const target = opener.current?.isConnected ? opener.current : fallback?.current;
    target?.focus();
  };
}
