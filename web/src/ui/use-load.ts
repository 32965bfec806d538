/**
 * Loads data from the API for a screen, with reload after a change. The
 * request is aborted when the screen goes away. What a screen last loaded
 * is kept (per name and key) until the session ends, so that a screen shown
 * again while the server cannot be reached keeps what it showed, with the
 * error above it rather than in its place.
 */
import { useCallback, useEffect, useState } from 'react';

const lastLoaded = new Map<string, unknown>();

/** Forgets every screen's data: called when the session ends or another one begins. */
export function forgetLoaded(): void {
  lastLoaded.clear();
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  reload(): void;
}

export function useLoad<T>(name: string, load: (signal: AbortSignal) => Promise<T>, key: string = ''): Loaded<T> {
  const cacheKey = `${name}\u0000${key}`;
  const [data, setData] = useState<T | undefined>(() => lastLoaded.get(cacheKey) as T | undefined);
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        lastLoaded.set(cacheKey, value);
        setData(value);
        setError(undefined);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
    // `load` is a new function at each render; the request depends on the key and the round only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [round, cacheKey]);
  return { data, error, reload };
}
