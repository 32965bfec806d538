/**
 * The one way a form or a button runs an action against the API: busy
 * while it runs (the button is disabled), the failure kept for the form to
 * show (by field, from its stable code), cleared at the next attempt.
 */
import { useState } from 'react';

export interface Submitting<A extends unknown[]> {
  busy: boolean;
  /** The last failure, or undefined; turned into a sentence by errorMessage. */
  failure: unknown;
  /** Runs the action; resolves true when it succeeded. Never throws. */
  run(...args: A): Promise<boolean>;
  clear(): void;
}

export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<void>): Submitting<A> {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  return {
    busy,
    failure,
    clear: () => setFailure(undefined),
    async run(...args) {
      setBusy(true);
      setFailure(undefined);
      try {
        await action(...args);
        return true;
      } catch (error) {
        setFailure(error);
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}
