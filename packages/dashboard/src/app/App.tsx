import { useCallback, useEffect, useRef, useState } from 'react';
import { api, setCsrfToken, setUnauthenticatedHandler } from '../api/client';
import type { SessionInfo } from '../api/types';
import { ToastProvider } from '../components/Toasts';
import { Activity } from '../pages/Activity';
import { Agents } from '../pages/Agents';
import { Approvals } from '../pages/Approvals';
import { Outbox } from '../pages/Outbox';
import { Performance } from '../pages/Performance';
import { Overview } from '../pages/Overview';
import { Policy } from '../pages/Policy';
import { Login } from './Login';
import { navigate, ROUTES, useRoute, type RoutePath } from './router';
import { SessionContext, useSession } from './session';
import { StreamProvider, useStreamEvent, useStreamState } from './stream';
import { useThrottled } from './throttle';

const PAGES: Record<RoutePath, () => React.JSX.Element> = {
  '/': Overview,
  '/approvals': Approvals,
  '/activity': Activity,
  '/agents': Agents,
  '/outbox': Outbox,
  '/performance': Performance,
  '/policy': Policy,
};

function PendingBadge() {
  const [n, setN] = useState<number | null>(null);
  const load = useCallback(() => {
    api<{ items: unknown[] }>('/v1/approvals').then((r) => setN(r.items.length), () => {});
  }, []);
  useEffect(load, [load]);
  const reload = useThrottled(load, 2000);
  useStreamEvent(['action'], (d) => {
    const s = (d as { status?: string } | null)?.status;
    // Only transitions into or out of awaiting_approval change the count.
    if (d === null || s === 'awaiting_approval' || s === 'approved' || s === 'rejected' || s === 'expired') reload();
  });
  return n ? (
    <span className="badge" data-testid="nav-pending" aria-label={`${n} pending`}>
      {n}
    </span>
  ) : null;
}

function Shell() {
  const route = useRoute();
  const { operator, logout } = useSession();
  const live = useStreamState();
  const Page = PAGES[route];
  const firstRoute = useRef(true);
  useEffect(() => {
    const label = ROUTES.find((r) => r.path === route)?.label ?? '';
    document.title = `${label} · Bridle`;
    // After client-side navigation, move focus to the new page so screen readers announce it
    // (a full page load does this by itself).
    if (firstRoute.current) firstRoute.current = false;
    else document.getElementById('main')?.focus({ preventScroll: true });
  }, [route]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Bridle
        </span>
        <nav aria-label="Main">
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a
                  href={r.path}
                  aria-current={route === r.path ? 'page' : undefined}
                  data-testid={`nav-${r.label.toLowerCase()}`}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    navigate(r.path);
                  }}
                >
                  {r.label}
                  {r.path === '/approvals' && <PendingBadge />}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className={`live ${live}`} title={live === 'live' ? 'Live updates on' : 'Reconnecting to live updates…'} data-testid="live-state">
            <span className="dot" aria-hidden="true" /> {live === 'live' ? 'live' : live === 'connecting' ? 'connecting' : 'offline'}
          </span>
          <span className="small" data-testid="whoami">
            {operator.name} <span className="tag tone-muted">{operator.role}</span>
          </span>
          <button type="button" className="btn small ghost" onClick={() => void logout()} data-testid="logout">
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </div>
  );
}

/** Restores the session (cookie) on load, else shows the login form. */
export function App() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [checking, setChecking] = useState(true);

  const adopt = useCallback((s: SessionInfo | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    setSession(s);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => adopt(null));
    api<SessionInfo>('/v1/session', { quiet401: true }).then(
      (s) => adopt(s),
      () => adopt(null),
    ).finally(() => setChecking(false));
    return () => setUnauthenticatedHandler(null);
  }, [adopt]);

  const logout = useCallback(async () => {
    try {
      await api('/v1/session', { method: 'DELETE', quiet401: true });
    } finally {
      adopt(null);
    }
  }, [adopt]);

  if (checking) return <p className="muted center-screen">Loading…</p>;
  if (!session) return <Login onLogin={adopt} />;
  return (
    <SessionContext.Provider value={{ operator: session.operator, logout }}>
      <ToastProvider>
        <StreamProvider>
          <Shell />
        </StreamProvider>
      </ToastProvider>
    </SessionContext.Provider>
  );
}
