import { useSyncExternalStore } from 'react';

/** The dashboard's pages; the server answers index.html for each of these paths. */
export const ROUTES = [
  { path: '/', label: 'Overview' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/activity', label: 'Activity' },
  { path: '/agents', label: 'Agents' },
  { path: '/outbox', label: 'Outbox' },
  { path: '/performance', label: 'Performance' },
  { path: '/policy', label: 'Policy' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Client-side navigation without a reload (keeps the SSE stream and in-memory CSRF token). */
export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

/** The current path; unknown paths fall back to the overview. */
export function useRoute(): RoutePath {
  const path = useSyncExternalStore(subscribe, () => location.pathname);
  return (ROUTES.find((r) => r.path === path)?.path ?? '/') as RoutePath;
}
