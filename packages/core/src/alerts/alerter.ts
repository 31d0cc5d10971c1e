import { BridleError, describeError } from '../errors.js';
import type { Store } from '../store/open.js';
import { systemClock, ulidGenerator, type Clock, type IdGenerator } from '../util/clock.js';
import type { AlertsConfig } from './config.js';
import { emailSender } from './email/index.js';
import { backoffMs } from './http.js';
import { normaliseAlert } from './input.js';
import { AlertQueue, type AlertRow } from './queue.js';
import { createAlertRouter } from './routing.js';
import { resolveAlertChannels, type ResolvedAlertChannel } from './secrets.js';
import { slackApiSender } from './slack/api.js';
import { slackWebhookSender } from './slack/webhook.js';
import type { Alert, AlertInput, AlertLogger, AlertRecord, AlertSender, AlertStatus, AlertDeliveryResult } from './types.js';
import { webhookSender } from './webhook/index.js';

export interface CreateAlerterOptions {
  store: Store;
  /** The parsed `alerts:` section (`alertsConfigSchema` / `parseAlertsConfig`). */
  config: AlertsConfig;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: AlertLogger;
  /** Where `*_env` names are looked up; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Backoff jitter in [0, 1); tests pass a constant. */
  random?: () => number;
  /** Replace the sender of a channel (custom transports, tests); its environment is then not read. */
  senders?: Record<string, AlertSender>;
  /** How often the background loop looks for due rows. Default 1000 ms. */
  pollMs?: number;
}

export interface Alerter {
  /** Routes the alert and writes one row per channel; durable when the promise resolves. */
  raise(alert: AlertInput): Promise<void>;
  /** Starts the background loop; rows left pending by a previous process are delivered first. */
  start(): void;
  /** Stops the loop after the attempts in flight finish, and closes the channels. */
  stop(): Promise<void>;
  /** Delivers everything due now, retrying those whose retry is due by then; for tests and shutdown. */
  flush(): Promise<void>;
  /** Rows newest first; `status: 'dead'` lists the dead letters. */
  list(q?: { status?: AlertStatus; channel?: string; limit?: number }): Promise<AlertRecord[]>;
  /** Gives a dead letter a fresh set of attempts; false if it is not dead. */
  requeue(id: string): Promise<boolean>;
}

/** Extra lease beyond a channel's timeout, so a slow attempt is not claimed twice. */
const LEASE_MARGIN_MS = 30_000;
const BATCH = 100;
/** flush() gives up after this many rounds: a bound, not a number it should ever reach. */
const MAX_FLUSH_ROUNDS = 1000;

function buildSender(c: ResolvedAlertChannel): AlertSender {
  switch (c.kind) {
    case 'slack_webhook':
      return slackWebhookSender(c);
    case 'slack':
      return slackApiSender(c);
    case 'email':
      return emailSender(c);
    case 'webhook':
      return webhookSender(c);
  }
}

/** Without a logger, dead letters and loop failures still reach stderr; retries stay quiet. */
const consoleLogger: AlertLogger = {
  warn: () => {},
  error: (msg, data) => console.error(`bridle alerts: ${msg}`, data ?? ''),
};

/**
 * The alert dispatcher. `raise` writes to the `alerts` table first, so nothing is lost to a
 * crash or an unreachable channel; a loop then delivers due rows with retries, exponential
 * backoff with jitter, `Retry-After`, and dead letters after `retry.max_attempts`.
 *
 * @example
 *   const alerts = createAlerter({ store, config: policy.alerts });
 *   alerts.start();
 *   await alerts.raise({ kind: 'breaker.open', severity: 'critical', agentId: 'bot', title: 'Circuit open', text: '5 failures in 60 s' });
 */
export function createAlerter(opts: CreateAlerterOptions): Alerter {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? ulidGenerator(clock);
  const log = opts.logger ?? consoleLogger;
  const random = opts.random ?? Math.random;
  const pollMs = opts.pollMs ?? 1000;
  const overrides = opts.senders ?? {};
  const unknown = Object.keys(overrides).filter((n) => !(n in config.channels));
  if (unknown.length > 0) throw new BridleError('BRIDLE_E_CONFIG', `senders given for channels not in alerts.channels: ${unknown.join(', ')}`);
  // Secrets are read now, so a missing variable stops start-up rather than a delivery later.
  const needEnv = { ...config, channels: Object.fromEntries(Object.entries(config.channels).filter(([n]) => !(n in overrides))) };
  const channels = new Map<string, { sender: AlertSender; timeoutMs: number }>();
  for (const c of resolveAlertChannels(needEnv, opts.env)) channels.set(c.name, { sender: buildSender(c), timeoutMs: c.timeoutMs });
  for (const [name, sender] of Object.entries(overrides)) channels.set(name, { sender, timeoutMs: config.channels[name]!.options.timeout_ms });

  const queue = new AlertQueue(opts.store);
  const route = createAlertRouter(config);
  const limits = { dedupeWindowMs: config.dedupe_window_s * 1000, perMinute: config.throttle.per_channel_per_minute };

  async function attempt(row: AlertRow): Promise<boolean> {
    const ch = channels.get(row.channel);
    const now = clock.now();
    const claimed = await queue.claim(row, now, (ch?.timeoutMs ?? 0) + LEASE_MARGIN_MS);
    if (!claimed) return false; // another instance has it
    if (!ch) {
      await queue.settle(claimed, { status: 'dead', at: now, error: `channel "${row.channel}" is not in the running configuration` });
      log.error('alert dead: its channel is no longer configured', { id: row.id, channel: row.channel });
      return true;
    }
    const alert = JSON.parse(row.payload) as Alert;
    const rollup = await queue.unreported(row.channel);
    let result: AlertDeliveryResult;
    try {
      result = await ch.sender.send({ alert, deliveryId: row.id, channel: row.channel, suppressedCount: rollup.count, now }, AbortSignal.timeout(ch.timeoutMs));
    } catch (e) {
      result = { ok: false, permanent: false, error: describeError(e) };
    }
    const at = clock.now();
    if (result.ok) {
      await queue.settle(claimed, { status: 'sent', at });
      if (rollup.count > 0) await queue.markReported(row.channel, rollup.upTo, at);
      log.info?.('alert sent', { id: row.id, channel: row.channel, attempts: claimed.attempts });
    } else if (result.permanent || claimed.attempts >= config.retry.max_attempts) {
      await queue.settle(claimed, { status: 'dead', at, error: result.error });
      const why = result.permanent ? 'permanent failure' : `gave up after ${claimed.attempts} attempts`;
      log.error(`alert dead (${why}): ${result.error}`, { id: row.id, channel: row.channel, kind: alert.kind });
    } else {
      const delay = result.retryAfterMs ?? backoffMs(claimed.attempts, config.retry, random);
      await queue.settle(claimed, { status: 'pending', at, error: result.error, nextAttemptAt: at + delay });
      log.warn(`alert delivery failed, retrying in ${delay} ms: ${result.error}`, { id: row.id, channel: row.channel, attempts: claimed.attempts });
    }
    return true;
  }

  /** One pass over the due rows: channels in parallel, each channel's rows in order. */
  async function round(): Promise<number> {
    const rows = await queue.due(clock.now(), BATCH);
    const byChannel = new Map<string, AlertRow[]>();
    for (const r of rows) byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r]);
    let done = 0;
    await Promise.all(
      [...byChannel.values()].map(async (list) => {
        for (const r of list) if (await attempt(r)) done++;
      }),
    );
    return done;
  }

  // Rounds never overlap within one process: flush() and the loop queue behind each other.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  const drain = () =>
    exclusive(async () => {
      for (let i = 0; i < MAX_FLUSH_ROUNDS; i++) if ((await round()) === 0) return;
    });

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      drain()
        .catch((e: unknown) => log.error(`alert loop failed: ${describeError(e)}`))
        .finally(() => {
          if (running && !timer) schedule(pollMs);
        });
    }, ms);
    timer.unref();
  };

  return {
    async raise(input) {
      const alert = normaliseAlert(input, ids.next('alert'), clock.now());
      const targets = route(alert.kind, alert.severity);
      if (targets.length === 0) return;
      await queue.enqueue(alert, targets, clock.now(), limits, (channel) => `${alert.id}.${channel}`);
      if (running) schedule(0);
    },
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      await chain;
      await Promise.all([...channels.values()].map((c) => c.sender.close?.().catch(() => {})));
    },
    flush: drain,
    list: (q = {}) => queue.list({ status: q.status, channel: q.channel, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) }),
    requeue: async (id) => {
      const ok = await queue.requeue(id, clock.now());
      if (ok && running) schedule(0);
      return ok;
    },
  };
}
