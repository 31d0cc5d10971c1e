import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/client';

export interface Resource<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `fetcher()` when `key` changes and on `reload()`. A slower, older answer never
 * overwrites a newer one.
 */
export function useResource<T>(fetcher: (signal: AbortSignal) => Promise<T>, key: string): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const f = useRef(fetcher);
  f.current = fetcher;
  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    f.current(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
