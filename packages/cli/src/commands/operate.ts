import { Bridle, BridleError, fromRow, type ActionRecord } from '@bridle/core';
import { adminPolicy, adminToken, dataDirOf, openCliStore, serverUrl, type CommonOptions } from '../config.js';
import { api } from '../http.js';
import { emit, money, table } from '../output.js';

interface RemoteOptions extends CommonOptions {
  url?: string;
  reason?: string;
  limit?: string;
  agent?: string;
  status?: string;
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

export async function approvalsDecide(verb: 'approve' | 'reject', id: string, o: RemoteOptions): Promise<void> {
  const body = o.reason ? { reason: o.reason } : {};
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
