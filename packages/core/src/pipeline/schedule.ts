import type { Actor } from '../audit/entry.js';
import { BridleError } from '../errors.js';
import type { DeskInternals } from './approval-desk.js';
import { fromRow } from './records.js';
import type { ActionRecord, ExecMode, SubmitRequest } from './types.js';

const SYSTEM: Actor = { type: 'system', id: 'bridle' };
/** Further ahead than this is almost certainly a unit mistake (seconds for milliseconds, a year off). */
const MAX_AHEAD_MS = 400 * 86_400_000;
/** At most this many due actions are started per sweep, so a backlog after downtime drains steadily. */
const BATCH = 100;

/** Validates `notBefore`; a time already past means "now". */
export function scheduledFor(req: SubmitRequest, mode: ExecMode, now: number): number | null {
  const t = req.notBefore;
  if (t === undefined) return null;
  if (!Number.isSafeInteger(t) || t < 0) throw new BridleError('BRIDLE_E_VALIDATION', 'notBefore is a time: epoch milliseconds, or an ISO 8601 string over HTTP');
  if (mode !== 'execute') throw new BridleError('BRIDLE_E_VALIDATION', 'notBefore schedules Bridle’s own execution; in authorize mode the agent runs the action itself, when it likes');
  if (t > now + MAX_AHEAD_MS) throw new BridleError('BRIDLE_E_VALIDATION', `notBefore is more than 400 days ahead (${new Date(t).toISOString()}); is it in seconds instead of milliseconds?`);
  return t > now ? t : null;
}

/** True while a scheduled action's slot has not come. */
export function isScheduled(rec: Pick<ActionRecord, 'notBefore'>, now: number): boolean {
  return rec.notBefore !== null && rec.notBefore > now;
}

/**
 * Starts every scheduled action whose slot has come. The claim is a conditional update, so of
 * several sweeps (or instances sharing Postgres) exactly one runs each action, once. An agent
 * that is killed or paused keeps its scheduled actions waiting until it is resumed.
 */
export async function runDue(x: DeskInternals): Promise<string[]> {
  const now = x.clock.now();
  const rows = await x.store.db
    .selectFrom('actions')
    .selectAll()
    .where('status', 'in', ['allowed', 'approved'])
    .where('exec_mode', '=', 'execute')
    .where('not_before', '<=', now)
    .orderBy('not_before')
    .limit(BATCH)
    .execute();
  const started: string[] = [];
  for (const row of rows) {
    const rec = fromRow(row);
    if (x.services.stopped(rec.agentId, rec.type)) continue;
    let compiled;
    try {
      compiled = x.compiled(rec);
    } catch {
      continue; // Its agent or action type left the policy: it waits for an operator (or the policy) to return.
    }
    let claimed: ActionRecord;
    try {
      claimed = await x.claim(rec.id, rec.status, 'executing');
    } catch {
      continue; // Another sweep or instance took it.
    }
    const entries = [x.move(claimed, 'executing', SYSTEM, { connector: compiled.action.connector.name, scheduledFor: new Date(rec.notBefore ?? now).toISOString() })];
    started.push(rec.id);
    await x.commitThenRun(claimed, entries, undefined, compiled.agent, compiled.action, true).catch(() => {});
  }
  return started;
}
