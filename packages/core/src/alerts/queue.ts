import { sql, type CompiledQuery, type Selectable } from 'kysely';
import type { Store } from '../store/open.js';
import type { AlertsTable } from '../store/schema.js';
import type { Alert, AlertRecord, AlertStatus } from './types.js';

export type AlertRow = Selectable<AlertsTable>;

/** Why a row was suppressed; the prefix of its `last_error`, which the roll-up query relies on. */
export const DEDUPLICATED = 'deduplicated';
export const THROTTLED = 'throttled';

export interface EnqueueLimits {
  dedupeWindowMs: number;
  perMinute: number;
}

/**
 * The `alerts` table as a queue: one row per alert × channel. Every state change is a
 * conditional UPDATE on the row's (status, attempts, next_attempt_at), so two instances sharing
 * PostgreSQL can poll the same table and each row is delivered by whichever claims it first.
 */
export class AlertQueue {
  constructor(private readonly store: Store) {}

  /**
   * Writes the alert's rows in one transaction, deciding per channel whether it is suppressed.
   * On PostgreSQL a per-channel advisory lock makes the dedupe and throttle counts exact across
   * instances. On SQLite the transaction runs synchronously on the raw handle: the group-commit
   * writer shares that connection with synchronous transactions of its own, and would otherwise
   * nest into an async transaction left open across an await here (acknowledged before durable).
   */
  async enqueue(alert: Alert, channels: string[], now: number, limits: EnqueueLimits, rowId: (channel: string) => string): Promise<AlertStatus[]> {
    const payload = JSON.stringify(alert);
    // A fixed lock order, so two raises for the same channels cannot deadlock.
    const plans = [...channels].sort().map((channel) => this.plan(alert, payload, channel, now, limits, rowId(channel)));
    const sqlite = this.store.sqlite;
    if (sqlite) {
      // Never join someone else's open transaction: its rollback would take these rows with it.
      while (sqlite.inTransaction) await new Promise((ok) => setImmediate(ok));
      const one = (q: CompiledQuery) => sqlite.prepare(q.sql).get(...(q.parameters as unknown[])) as Record<string, unknown> | undefined;
      return sqlite
        .transaction(() =>
          plans.map((p) => {
            const reason = p.decide(p.dedupe ? one(p.dedupe)?.id : undefined, () => Number(one(p.count)?.n ?? 0));
            const insert = p.insert(reason);
            sqlite.prepare(insert.sql).run(...(insert.parameters as unknown[]));
            return reason ? 'suppressed' : 'pending';
          }),
        )
        .immediate();
    }
    return this.store.db.transaction().execute(async (trx) => {
      const out: AlertStatus[] = [];
      for (const p of plans) {
        await sql`select pg_advisory_xact_lock(hashtext(${`bridle.alerts:${p.channel}`}))`.execute(trx);
        const dupId = p.dedupe ? (await trx.executeQuery<{ id: string }>(p.dedupe)).rows[0]?.id : undefined;
        const count = dupId === undefined ? Number((await trx.executeQuery<{ n: number }>(p.count)).rows[0]?.n ?? 0) : 0;
        const reason = p.decide(dupId, () => count);
        await trx.executeQuery(p.insert(reason));
        out.push(reason ? 'suppressed' : 'pending');
      }
      return out;
    });
  }

  /** The queries for one channel's row, written once for both dialects, and the rule that reads their answers. */
  private plan(alert: Alert, payload: string, channel: string, now: number, limits: EnqueueLimits, id: string) {
    const db = this.store.db;
    return {
      channel,
      dedupe:
        limits.dedupeWindowMs > 0
          ? db
              .selectFrom('alerts')
              .select('id')
              .where('channel', '=', channel)
              .where('dedupe_key', '=', alert.dedupeKey)
              .where('created_at', '>', now - limits.dedupeWindowMs)
              .where('status', 'in', ['pending', 'sent'])
              .limit(1)
              .compile()
          : undefined,
      count: db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel', '=', channel)
        .where('created_at', '>', now - 60_000)
        .where('status', '!=', 'suppressed')
        .compile(),
      decide(dupId: unknown, count: () => number): string | undefined {
        if (dupId !== undefined) return `${DEDUPLICATED}: same dedupe key as ${String(dupId)} within ${limits.dedupeWindowMs / 1000} s`;
        return count() >= limits.perMinute ? `${THROTTLED}: over ${limits.perMinute} alerts per minute on this channel` : undefined;
      },
      insert: (reason: string | undefined) =>
        db
          .insertInto('alerts')
          .values({ id, channel, dedupe_key: alert.dedupeKey, severity: alert.severity, payload, status: reason ? 'suppressed' : 'pending', attempts: 0, next_attempt_at: now, last_error: reason ?? null, created_at: now, sent_at: null })
          .compile(),
    };
  }

  /** Pending rows whose time has come, oldest first. */
  due(now: number, limit: number): Promise<AlertRow[]> {
    return this.store.db.selectFrom('alerts').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
  }

  /**
   * Takes the row for one attempt by moving its next_attempt_at past the lease, only if nobody
   * changed it since it was read. A process that dies mid-attempt leaves the row due again
   * when the lease ends; the attempt is counted either way, so a row that crashes its sender
   * cannot loop forever.
   */
  async claim(row: AlertRow, now: number, leaseMs: number): Promise<AlertRow | undefined> {
    const next = now + leaseMs;
    const r = await this.store.db
      .updateTable('alerts')
      .set({ next_attempt_at: next, attempts: row.attempts + 1 })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', row.attempts)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? { ...row, attempts: row.attempts + 1, next_attempt_at: next } : undefined;
  }

  /** Ends an attempt; a no-op if the lease was lost and another instance claimed the row since. */
  async settle(claimed: AlertRow, change: { status: 'sent' | 'dead' | 'pending'; at: number; error?: string; nextAttemptAt?: number }): Promise<boolean> {
    const r = await this.store.db
      .updateTable('alerts')
      .set({
        status: change.status,
        last_error: change.error ?? null,
        ...(change.status === 'sent' ? { sent_at: change.at } : {}),
        ...(change.nextAttemptAt !== undefined ? { next_attempt_at: change.nextAttemptAt } : {}),
      })
      .where('id', '=', claimed.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', claimed.attempts)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Throttled rows on the channel not yet reported in a roll-up. `sent_at` on a suppressed row
   * records when a delivered alert reported it, so each is counted once.
   */
  async unreported(channel: string): Promise<{ count: number; upTo: number }> {
    const r = await this.store.db
      .selectFrom('alerts')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('upTo')])
      .where('channel', '=', channel)
      .where('status', '=', 'suppressed')
      .where('sent_at', 'is', null)
      .where('last_error', 'like', `${THROTTLED}%`)
      .executeTakeFirstOrThrow();
    return { count: Number(r.n), upTo: Number(r.upTo ?? 0) };
  }

  async markReported(channel: string, upTo: number, at: number): Promise<void> {
    await this.store.db
      .updateTable('alerts')
      .set({ sent_at: at })
      .where('channel', '=', channel)
      .where('status', '=', 'suppressed')
      .where('sent_at', 'is', null)
      .where('last_error', 'like', `${THROTTLED}%`)
      .where('created_at', '<=', upTo)
      .execute();
  }

  async list(q: { status?: AlertStatus | undefined; channel?: string | undefined; limit: number }): Promise<AlertRecord[]> {
    let query = this.store.db.selectFrom('alerts').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    if (q.channel) query = query.where('channel', '=', q.channel);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toRecord);
  }

  /** Puts a dead letter back in the queue with a fresh set of attempts. */
  async requeue(id: string, now: number): Promise<boolean> {
    const r = await this.store.db
      .updateTable('alerts')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

export function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    channel: r.channel,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    alert: JSON.parse(r.payload) as Alert,
  };
}
