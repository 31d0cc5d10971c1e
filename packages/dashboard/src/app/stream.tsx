import { api } from '../api/client';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

export type StreamEventName = 'action' | 'alert' | 'agent' | 'policy';
export type StreamState = 'connecting' | 'live' | 'down';
type Listener = (data: unknown) => void;

interface StreamValue {
  state: StreamState;
  subscribe(name: StreamEventName, fn: Listener): () => void;
}

const StreamContext = createContext<StreamValue | null>(null);
const NAMES: StreamEventName[] = ['action', 'alert', 'agent', 'policy'];

/**
 * One EventSource on GET /v1/stream for the whole app (the session cookie goes with it,
 * same-origin). EventSource reconnects by itself; after a reconnect each page refetches, since
 * events sent while the connection was down are gone.
 */
export function StreamProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<StreamState>('connecting');
  const listeners = useRef(new Map<StreamEventName, Set<Listener>>());
  // Stable across renders, so subscribers don't resubscribe when the connection state changes.
  const subscribe = useCallback((name: StreamEventName, fn: Listener) => {
    const m = listeners.current;
    if (!m.has(name)) m.set(name, new Set());
    m.get(name)!.add(fn);
    return () => {
      m.get(name)?.delete(fn);
    };
  }, []);
  const value = useMemo(() => ({ state, subscribe }), [state, subscribe]);

  useEffect(() => {
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let stopped = false;
    const emit = (name: StreamEventName, data: unknown) => listeners.current.get(name)?.forEach((l) => l(data));
    const connect = () => {
      const src = new EventSource('/v1/stream');
      es = src;
      src.onopen = () => {
        attempt = 0;
        setState('live');
        // Fan out to every kind so pages catch up on what they missed while disconnected.
        for (const n of NAMES) emit(n, null);
      };
      src.onerror = () => {
        if (src.readyState !== EventSource.CLOSED) return setState('connecting');
        // The browser gives up on an HTTP error (a 401 after the session ended, a 503 when the
        // server is full). Asking for the session lets a 401 send the app to the login form;
        // otherwise try again, backing off up to a minute.
        setState('down');
        void api('/v1/session').catch(() => {});
        if (stopped) return;
        retry = setTimeout(connect, Math.min(60_000, 2000 * 2 ** attempt++));
      };
      for (const n of NAMES) {
        src.addEventListener(n, (ev) => {
          let data: unknown = null;
          try {
            data = JSON.parse((ev as MessageEvent<string>).data);
          } catch {
            data = null;
          }
          emit(n, data);
        });
      }
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      es?.close();
    };
  }, []);

  return <StreamContext.Provider value={value}>{children}</StreamContext.Provider>;
}

export function useStreamState(): StreamState {
  return useContext(StreamContext)?.state ?? 'down';
}

/**
 * Calls `fn` for each event of these kinds (with `null` after a reconnect: refetch then).
 * `fn` may change every render; the latest one is called.
 */
export function useStreamEvent(names: StreamEventName[], fn: (data: unknown, name: StreamEventName) => void): void {
  const subscribe = useContext(StreamContext)?.subscribe;
  const latest = useRef(fn);
  latest.current = fn;
  const key = names.join(',');
  useEffect(() => {
    if (!subscribe) return;
    const offs = key.split(',').map((n) => subscribe(n as StreamEventName, (d) => latest.current(d, n as StreamEventName)));
    return () => offs.forEach((o) => o());
  }, [subscribe, key]);
}
