import type { AlertInput } from '../alerts/types.js';
import type { GuardEvent } from '../pipeline/context.js';
import { formatMicroUsd } from '../util/money.js';

const money = (v: unknown) => (typeof v === 'number' ? formatMicroUsd(v) : '–');

/** A person-readable title for each kind of guard event. */
function title(e: GuardEvent): string {
  switch (e.kind) {
    case 'budget.threshold':
      return `Budget ${String(e.scope)} at ${String(e.used)} of ${money(e.capMicroUsd)} (${String(e.period)})`;
    case 'budget.cap':
      return `Budget cap reached: ${String(e.scope)} (${money(e.capMicroUsd)}, ${String(e.period)})`;
    case 'approval.requested':
      return `Approval needed: ${String(e.type)} by ${String(e.agentId)} (${String(e.actionId)})`;
    case 'agent.paused':
      return `Agent ${String(e.agentId)} paused`;
    case 'breaker.open':
      return `Circuit breaker open: ${String(e.scope)}`;
    case 'breaker.closed':
      return `Circuit breaker closed: ${String(e.scope)}`;
    default:
      return `${e.kind}${e.agentId ? ` (${e.agentId})` : ''}`;
  }
}

/**
 * Turns what a guard noticed into an alert. The dedupe key holds what makes two events the
 * same incident (scope, period, threshold), so a retry storm raises one alert, not thousands.
 */
export function guardAlert(e: GuardEvent): AlertInput {
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || k === 'severity' || v === undefined || v === null) continue;
    if (typeof v === 'number') fields[k] = /MicroUsd$/.test(k) ? formatMicroUsd(v) : v;
    else if (typeof v === 'string') fields[k] = v;
    else if (typeof v === 'boolean') fields[k] = String(v);
  }
  const reason = typeof e.reason === 'string' ? e.reason : '';
  return {
    kind: e.kind,
    severity: e.severity,
    title: title(e),
    text: reason || title(e),
    ...(typeof e.agentId === 'string' ? { agentId: e.agentId } : {}),
    fields,
    dedupeKey: [e.kind, e.agentId, e.actionId, e.scope, e.period, e.threshold].filter((x) => x !== undefined).join(':'),
  };
}
