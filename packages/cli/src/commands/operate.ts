import { Bridle, BridleError, fromRow, type ActionRecord, type JsonObject } from '@bridle/core';
import { adminPolicy, adminToken, dataDirOf, openCliStore, serverUrl, type CommonOptions } from '../config.js';
import { api } from '../http.js';
import { emit, money, table } from '../output.js';

interface RemoteOptions extends CommonOptions {
  url?: string;
  reason?: string;
  limit?: string;
  agent?: string;
  status?: string;
  global?: boolean;
  type?: string;
  params?: string;
}

type View = { id: string; agentId: string; type: string; status: string; params: Record<string, unknown>; paramsHash: string; costMicroUsd: number | null; estimatedCostMicroUsd: number; decision: { code: string; reason: string } | null; createdAt: string };

const viewOf = (r: ActionRecord): View => ({ id: r.id, agentId: r.agentId, type: r.type, status: r.status, params: r.params, paramsHash: r.paramsHash, costMicroUsd: r.costMicroUsd, estimatedCostMicroUsd: r.estimateMicroUsd, decision: r.decision ? { code: r.decision.code, reason: r.decision.reason } : null, createdAt: new Date(r.createdAt).toISOString() });

const summary = (v: View) => String(v.params.text ?? v.params.subject ?? v.params.title ?? JSON.stringify(v.params)).replace(/\s+/g, ' ').slice(0, 60);

function render(items: View[]): string {
  if (items.length === 0) return 'Nothing here.';
  return table([['ID', 'AGENT', 'TYPE', 'STATUS', 'COST', 'DECISION', 'CONTENT'], ...items.map((v) => [v.id, v.agentId, v.type, v.status, v.costMicroUsd !== null ? money(v.costMicroUsd) : `~${money(v.estimatedCostMicroUsd)}`, v.decision?.code ?? '', summary(v)])]);
}

function limitOf(o: RemoteOptions): number {
  const n = Number(o.limit ?? 50);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new BridleError('BRIDLE_E_VALIDATION', '--limit must be a whole number from 1 to 500');
  return n;
}

/** Reads straight from the store: works whether or not a server is running. */
export async function actionsList(o: RemoteOptions): Promise<void> {
  const store = await openCliStore(o);
  try {
    let q = store.db.selectFrom('actions').selectAll().orderBy('id', 'desc').limit(limitOf(o));
    if (o.agent) q = q.where('agent_id', '=', o.agent);
    if (o.status) q = q.where('status', '=', o.status);
    const items = (await q.execute()).map((r) => viewOf(fromRow(r)));
    emit(o.json, items, () => render(items));
  } finally {
    await store.close();
  }
}

export async function approvalsList(o: RemoteOptions): Promise<void> {
  await actionsList({ ...o, status: 'awaiting_approval' });
}

/**
 * Operator actions go to the running server, which executes approved actions itself. With no
 * server running, the CLI opens the store and runs the pipeline for this one command.
 */
async function operate<T>(o: RemoteOptions, remote: (base: string, token: string) => Promise<T>, local: (b: Bridle) => Promise<T>): Promise<T> {
  const token = adminToken(dataDirOf(o), false);
  if (token) {
    try {
      return await remote(serverUrl(o), token);
    } catch (e) {
      if (!(e instanceof BridleError && e.details?.unreachable)) throw e;
      if (o.url || process.env.BRIDLE_URL) throw e;
    }
  }
  const store = await openCliStore(o, { exclusive: true });
  try {
    const bridle = await Bridle.open({ store, policy: adminPolicy(o) });
    try {
      return await local(bridle);
    } finally {
      await bridle.close();
    }
  } finally {
    await store.close();
  }
}

const who = () => process.env.BRIDLE_OPERATOR ?? process.env.USER ?? 'cli';

/** `--params '{"text":"…"}'`: an approver's edit, checked again before it runs. */
function editedParams(o: RemoteOptions): JsonObject | undefined {
  if (o.params === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(o.params);
  } catch (e) {
    throw new BridleError('BRIDLE_E_VALIDATION', `--params is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BridleError('BRIDLE_E_VALIDATION', '--params must be a JSON object, e.g. \'{"text":"new copy"}\'');
  return v as JsonObject;
}

export async function approvalsDecide(verb: 'approve' | 'reject', id: string, o: RemoteOptions): Promise<void> {
  const params = verb === 'approve' ? editedParams(o) : undefined;
  const body = { ...(o.reason ? { reason: o.reason } : {}), ...(params ? { params } : {}) };
  const v = await operate(
    o,
    (base, token) => api<View>(base, token, 'POST', `/v1/approvals/${encodeURIComponent(id)}/${verb}`, body),
    async (b) => viewOf(verb === 'approve' ? await b.approve(id, { operator: who(), ...body }) : await b.reject(id, { operator: who(), ...body })),
  );
  emit(o.json, v, () => `${verb === 'approve' ? '✔ Approved' : '✖ Rejected'} ${v.id} (${v.agentId} ${v.type}): now ${v.status}${v.costMicroUsd !== null ? `, cost ${money(v.costMicroUsd)}` : ''}`);
}

export async function agentsSwitch(verb: 'kill' | 'resume', agent: string, o: RemoteOptions): Promise<void> {
  const body = o.reason ? { reason: o.reason } : {};
  const r = await operate(
    o,
    (base, token) => api<{ id: string; killed: boolean }>(base, token, 'POST', `/v1/agents/${encodeURIComponent(agent)}/${verb}`, body),
    async (b) => {
      await b.setKilled(agent, verb === 'kill', { actor: { type: 'operator', id: who() }, ...body });
      return { id: agent, ...b.agentState(agent) };
    },
  );
  emit(o.json, r, () => (r.killed ? `■ ${agent} is stopped: its new actions are blocked until \`bridle agents resume ${agent}\`.` : `▶ ${agent} resumed.`));
}

/** `bridle kill|resume --global | --agent A | --type T`: one scope, named exactly once. */
export async function scopeSwitch(verb: 'kill' | 'resume', o: RemoteOptions): Promise<void> {
  const given = [o.global ? 'global' : null, o.agent ? 'agent' : null, o.type ? 'action_type' : null].filter((x) => x !== null);
  if (given.length !== 1) throw new BridleError('BRIDLE_E_VALIDATION', `Name exactly one scope: --global, --agent <id> or --type <action-type> (got ${given.length === 0 ? 'none' : given.join(' and ')})`);
  const scope = given[0] as 'global' | 'agent' | 'action_type';
  const id = scope === 'agent' ? o.agent : scope === 'action_type' ? o.type : undefined;
  const body = { scope, ...(id ? { id } : {}), ...(o.reason ? { reason: o.reason } : {}) };
  const r = await operate(
    o,
    (base, token) => api<{ scope: string; state: string; cancelled: string[] }>(base, token, 'POST', `/v1/${verb}`, body),
    async (b) => {
      const s = scope === 'global' ? { kind: 'global' as const } : { kind: scope, id: id! };
      const out = await b.setKill(s, verb === 'kill' ? 'killed' : null, { actor: { type: 'operator', id: who() }, reason: o.reason });
      return { scope: scope === 'global' ? 'global' : `${scope}:${id}`, state: out.state?.state ?? 'running', cancelled: out.cancelled };
    },
  );
  emit(o.json, r, () =>
    r.state === 'running'
      ? `▶ ${r.scope} resumed.`
      : `■ ${r.scope} is stopped: new actions are blocked until \`bridle resume\`.${r.cancelled.length ? ` Cancelled ${r.cancelled.length} pending approval(s): ${r.cancelled.join(', ')}.` : ''}`,
  );
}

/** `bridle agents mode NAME draft|auto`: through the running server, or on the store. */
export async function agentsMode(agent: string, mode: string, o: RemoteOptions): Promise<void> {
  if (mode !== 'draft' && mode !== 'auto') throw new BridleError('BRIDLE_E_VALIDATION', `mode is draft or auto, not "${mode}"`);
  const body = { mode, ...(o.reason ? { reason: o.reason } : {}) };
  const r = await operate(
    o,
    (base, token) => api<{ id: string; mode: string }>(base, token, 'POST', `/v1/agents/${encodeURIComponent(agent)}/mode`, body),
    async (b) => ({ id: agent, mode: await b.setMode(agent, mode, { actor: { type: 'operator', id: who() }, reason: o.reason }) }),
  );
  emit(o.json, r, () => (r.mode === 'draft' ? `✎ ${agent} is in draft mode: a human approves every action.` : `▶ ${agent} is in auto mode: approval only where the rules say.`));
}

/** `bridle actions undo ID`: reverse a succeeded action through its connector (delete the post). */
export async function actionsUndo(id: string, o: RemoteOptions): Promise<void> {
  const body = o.reason ? { reason: o.reason } : {};
  const v = await operate(
    o,
    (base, token) => api<View>(base, token, 'POST', `/v1/actions/${encodeURIComponent(id)}/undo`, body),
    async (b) => viewOf(await b.undo(id, { actor: { type: 'operator', id: who() }, reason: o.reason })),
  );
  emit(o.json, v, () => `↶ Undone ${v.id} (${v.agentId} ${v.type}): now ${v.status}`);
}
