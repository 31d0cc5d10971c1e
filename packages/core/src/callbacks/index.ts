import { signWebhook, WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../alerts/webhook/signature.js';
import { BridleError, describeError } from '../errors.js';
import { isSettledForWaiter } from '../pipeline/lifecycle.js';
import type { ActionRecord } from '../pipeline/types.js';
import type { Store } from '../store/open.js';
import type { Clock, IdGenerator } from '../util/clock.js';

const MAX_ATTEMPTS = 8;
const BASE_MS = 1000;
const TIMEOUT_MS = 10_000;
/** A claimed row is someone's for this long, so two instances never send one callback twice at once. */
const LEASE_MS = TIMEOUT_MS + 5000;

/** Checks a callback URL at submit time: http(s) only, so a typo fails the request, not the callback. */
export function checkCallbackUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BridleError('BRIDLE_E_VALIDATION', `callbackUrl is not a URL: "${url.slice(0, 200)}"`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new BridleError('BRIDLE_E_VALIDATION', `callbackUrl must be http or https, not ${u.protocol}`);
}

/** What the agent receives: the decision and outcome, never more than its own action. */
function body(rec: ActionRecord, deliveryId: string): string {
  return JSON.stringify({
    id: deliveryId,
    action: {
      id: rec.id,
      agentId: rec.agentId,
      type: rec.type,
      status: rec.status,
      paramsHash: rec.paramsHash,
      decision: rec.decision ? { outcome: rec.decision.outcome, code: rec.decision.code, reason: rec.decision.reason } : null,
      decidedBy: rec.decidedBy,
      result: rec.result,
      error: rec.error,
      costMicroUsd: rec.costMicroUsd,
    },
  });
}

/**
 * Signed callbacks to agents that asked for one: queued in the store when the action reaches a
 * state the agent acts on, then POSTed with an HMAC-SHA256 signature (the alert webhooks'
 * scheme: `X-Bridle-Signature: sha256=HMAC(secret, "<timestamp>.<body>")`), retried with backoff,
 * kept as `dead` after the last attempt. Callbacks queued before a crash are sent after it.
 */
export class Callbacks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly secret: string | undefined,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly load: (id: string) => Promise<ActionRecord>,
  ) {}

  get enabled(): boolean {
    return this.secret !== undefined && this.secret.length > 0;
  }

  /** Queues the callback for this state, once. */
  async enqueue(rec: ActionRecord): Promise<void> {
    if (!rec.callbackUrl || !isSettledForWaiter(rec.status)) return;
    const now = this.clock.now();
    await this.store.db
      .insertInto('callbacks')
      .values({ id: this.ids.next('cbk'), action_id: rec.id, status_for: rec.status, url: rec.callbackUrl, state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, sent_at: null })
      .onConflict((oc) => oc.columns(['action_id', 'status_for']).doNothing())
      .execute();
    this.kick();
  }

  /** After a crash: decided actions whose callback was never queued. */
  async recover(): Promise<void> {
    const missing = await this.store.db
      .selectFrom('actions as a')
      .leftJoin('callbacks as c', (j) => j.onRef('c.action_id', '=', 'a.id').onRef('c.status_for', '=', 'a.status'))
      .select('a.id')
      .where('a.callback_url', 'is not', null)
      .where('c.id', 'is', null)
      .where('a.status', 'in', ['blocked', 'rejected', 'expired', 'allowed', 'succeeded', 'failed', 'undone'])
      .execute();
    for (const m of missing) await this.enqueue(await this.load(m.id));
  }

  start(pollMs = 1000): void {
    this.timer = setInterval(() => this.kick(), pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private kick(): void {
    if (this.running || !this.enabled) return;
    this.running = this.flush()
      .catch(() => {})
      .finally(() => {
        this.running = null;
      });
  }

  /** Sends everything due now (tests and shutdown call it directly). */
  async flush(): Promise<void> {
    const now = this.clock.now();
    const due = await this.store.db.selectFrom('callbacks').selectAll().where('state', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(50).execute();
    for (const row of due) {
      const won = await this.store.db.updateTable('callbacks').set({ next_attempt_at: now + LEASE_MS }).where('id', '=', row.id).where('next_attempt_at', '=', row.next_attempt_at).where('state', '=', 'pending').executeTakeFirst();
      if (Number(won.numUpdatedRows) !== 1) continue;
      const rec = await this.load(row.action_id);
      const text = body({ ...rec, status: row.status_for as ActionRecord['status'] }, row.id);
      const ts = Math.floor(this.clock.now() / 1000);
      let error: string | null = null;
      try {
        const res = await fetch(row.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [WEBHOOK_SIGNATURE_HEADER]: signWebhook(text, this.secret!, ts), [WEBHOOK_TIMESTAMP_HEADER]: String(ts), [WEBHOOK_DELIVERY_HEADER]: row.id },
          body: text,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (!res.ok) error = `HTTP ${res.status}`;
        await res.body?.cancel().catch(() => {});
      } catch (e) {
        error = describeError(e);
      }
      const attempts = row.attempts + 1;
      const at = this.clock.now();
      if (error === null) await this.store.db.updateTable('callbacks').set({ state: 'sent', attempts, sent_at: at, last_error: null }).where('id', '=', row.id).execute();
      else await this.store.db.updateTable('callbacks').set({ state: attempts >= MAX_ATTEMPTS ? 'dead' : 'pending', attempts, last_error: error.slice(0, 500), next_attempt_at: at + BASE_MS * 2 ** (attempts - 1) }).where('id', '=', row.id).execute();
    }
  }
}
