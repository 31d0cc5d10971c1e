import type { AlertsConfig } from './config.js';
import { alertSeverityRank, type AlertSeverity } from './types.js';

/** `budget.*` → /^budget\..*$/: only `*` is special, so kinds with dots need no escaping. */
export function kindMatcher(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export type AlertRouter = (kind: string, severity: AlertSeverity) => string[];

/**
 * Which channels get an alert. Without `routes`, every channel gets everything at warning or
 * above; with routes, the union of the channels of every route the alert matches, in config order.
 */
export function createAlertRouter(config: AlertsConfig): AlertRouter {
  const all = Object.keys(config.channels);
  const routes = (config.routes ?? [{ channels: all, min_severity: 'warning' as AlertSeverity, kinds: ['*'] }]).map((r) => ({
    channels: r.channels,
    min: alertSeverityRank(r.min_severity),
    kinds: r.kinds.map(kindMatcher),
  }));
  return (kind, severity) => {
    const rank = alertSeverityRank(severity);
    const out = new Set<string>();
    for (const r of routes) {
      if (rank < r.min || !r.kinds.some((re) => re.test(kind))) continue;
      for (const c of r.channels) out.add(c);
    }
    return [...out];
  };
}
