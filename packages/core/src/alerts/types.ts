/** How loud an alert is. Routes pick channels by a minimum severity. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export function alertSeverityRank(s: AlertSeverity): number {
  return ALERT_SEVERITIES.indexOf(s);
}

/**
 * What a guard hands to `alerts.raise()`. Only kind, severity, title and text are required.
 *
 * @example
 *   await alerts.raise({ kind: 'budget.threshold', severity: 'warning', agentId: 'growth-bot',
 *     title: 'growth-bot used 80% of its daily budget', text: '$80.00 of $100.00', fields: { spent_usd: 80 } });
 */
export interface AlertInput {
  /** Dotted event name, e.g. `budget.threshold`, `breaker.open`, `anomaly.burst`, `agent.killed`. */
  kind: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  agentId?: string | undefined;
  fields?: Record<string, string | number> | undefined;
  /** Alerts with the same key on the same channel within `dedupe_window_s` are suppressed. Default: `kind` + agent. */
  dedupeKey?: string | undefined;
  /** Epoch ms of the event; default: the alerter's clock when raised. */
  at?: number | undefined;
}

/** An alert as stored (the row's `payload`) and delivered. */
export interface Alert {
  /** Shared by the alert's rows, one per channel. */
  id: string;
  kind: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  agentId?: string;
  fields: Record<string, string | number>;
  dedupeKey: string;
  at: number;
}

/** One delivery attempt's input: the alert, plus what the channel needs to say about it. */
export interface AlertMessage {
  alert: Alert;
  /** The row id: stable across retries, so receivers can drop duplicates. */
  deliveryId: string;
  channel: string;
  /** Alerts throttled on this channel since its last delivery, reported as a roll-up line. */
  suppressedCount: number;
  /** The attempt's time (epoch ms), from the injected clock. */
  now: number;
}

/**
 * The outcome of one attempt. `permanent` failures (a revoked token, a 404 webhook) go to the
 * dead letters at once, since retrying cannot help; others are retried with backoff.
 */
export type AlertDeliveryResult =
  | { ok: true }
  | { ok: false; permanent: boolean; error: string; retryAfterMs?: number | undefined };

/** A delivery channel: Slack, email, webhook. `send` should not throw; a throw counts as transient. */
export interface AlertSender {
  readonly kind: string;
  send(message: AlertMessage, signal: AbortSignal): Promise<AlertDeliveryResult>;
  close?(): Promise<void>;
}

export type AlertStatus = 'pending' | 'sent' | 'dead' | 'suppressed';

/** A row of the `alerts` table, as `list()` returns it. */
export interface AlertRecord {
  id: string;
  channel: string;
  status: AlertStatus;
  attempts: number;
  nextAttemptAt: number;
  /** The last delivery error, or why the row was suppressed (`deduplicated: …`, `throttled: …`). */
  lastError: string | null;
  createdAt: number;
  /** When it was delivered; on a throttled `suppressed` row, when a roll-up reported it. */
  sentAt: number | null;
  alert: Alert;
}

/** Where the alerter reports what it cannot throw (delivery failures happen in the background). */
export interface AlertLogger {
  info?(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}
