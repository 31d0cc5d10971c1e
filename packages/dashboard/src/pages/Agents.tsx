import { useState } from 'react';
import { api } from '../api/client';
import type { AgentStatus, AgentView, AgentsResponse } from '../api/types';
import { useResource } from '../app/resource';
import { useCan } from '../app/session';
import { useStreamEvent } from '../app/stream';
import { useThrottled } from '../app/throttle';
import { ReasonModal } from '../components/ReasonModal';
import { StatusTag } from '../components/StatusTag';
import { useToast } from '../components/Toasts';
import { capLevel, capShare, usd } from '../lib/format';

type Verb = 'pause' | 'resume' | 'kill' | 'mode' | 'reset';
interface Pending {
  agent: AgentView;
  verb: Verb;
}

/** Older servers don't send `status`; derive it the same way. */
export function agentStatus(a: AgentView): AgentStatus {
  if (a.status) return a.status;
  if (a.killed) return 'killed';
  if (a.paused) return 'paused';
  if (a.breaker?.state === 'open') return 'tripped';
  return 'active';
}

function modeOf(a: AgentView): 'draft' | 'auto' {
  return a.modeNow ?? a.mode;
}

function Budget({ label, spent, cap }: { label: string; spent: number | undefined; cap: number | null | undefined }) {
  const c = cap ?? null;
  const s = spent ?? 0;
  const share = capShare(s, c);
  return (
    <div className="mini-budget">
      <span className="small muted">{label}</span>
      <div className={`bar thin level-${capLevel(s, c)}`} role="meter" aria-label={`${label} spend`} aria-valuemin={0} aria-valuemax={c ?? Math.max(s, 1)} aria-valuenow={s}>
        <div className="bar-fill" style={{ width: `${((share ?? 0) * 100).toFixed(1)}%` }} />
      </div>
      <span className="small">
        {spent === undefined ? '—' : usd(s)}
        {c !== null ? ` / ${usd(c)}` : ''}
      </span>
    </div>
  );
}

const COPY: Record<Verb, { title: (a: AgentView) => string; label: string; danger: boolean; text: (a: AgentView) => string }> = {
  pause: { title: (a) => `Pause ${a.id}`, label: 'Pause', danger: false, text: () => 'New actions of this agent are blocked (agent_paused) until you resume it. Pending approvals stay.' },
  resume: { title: (a) => `Resume ${a.id}`, label: 'Resume', danger: false, text: (a) => (a.killed ? 'Lifts the kill switch: the agent may act again from its next request.' : 'Lifts the pause: the agent may act again from its next request.') },
  kill: { title: (a) => `Kill ${a.id}`, label: 'Kill', danger: true, text: () => 'Every new action of this agent is blocked at once (agent_killed) until resumed.' },
  reset: { title: (a) => `Reset ${a.id}'s breaker`, label: 'Reset breaker', danger: false, text: () => 'Closes the circuit breaker by hand: the agent may act again although its recent calls failed.' },
  mode: {
    title: (a) => `Switch ${a.id} to ${modeOf(a) === 'draft' ? 'auto' : 'draft'}`,
    label: 'Switch mode',
    danger: false,
    text: (a) => (modeOf(a) === 'draft' ? 'Auto: actions that pass the rules run without a human.' : 'Draft: a human approves every action of this agent.'),
  },
};

/** Agents: status, mode, budgets, rate, breaker; pause, resume, kill and mode switch with a reason. */
export function Agents() {
  const canOperate = useCan('operate');
  const toast = useToast();
  const r = useResource((signal) => api<AgentsResponse>('/v1/agents', { signal }), 'agents');
  const [pending, setPending] = useState<Pending | null>(null);
  useStreamEvent(['agent', 'policy'], r.reload);
  // Spend moves with actions; a throttled refetch keeps the bars current without a storm.
  useStreamEvent(['action'], useThrottled(r.reload, 5000));

  const run = async ({ agent, verb }: Pending, reason: string) => {
    const id = encodeURIComponent(agent.id);
    if (verb === 'reset') await api('/v1/breakers/reset', { method: 'POST', body: { scope: `agent:${agent.id}` } });
    else if (verb === 'mode') await api(`/v1/agents/${id}/mode`, { method: 'POST', body: { mode: modeOf(agent) === 'draft' ? 'auto' : 'draft', reason } });
    else await api(`/v1/agents/${id}/${verb}`, { method: 'POST', body: { reason } });
    toast(`${COPY[verb].label}: ${agent.id}`);
    r.reload();
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Agents</h1>
        {r.data && <span className="muted small">policy {r.data.policyVersion.slice(0, 12)}</span>}
      </header>
      {r.error && (
        <p className="error" role="alert">
          {r.error}
        </p>
      )}
      {!canOperate && <p className="muted small">Pausing, killing and switching modes need the admin role.</p>}
      <div className="agent-grid">
        {r.data?.items.map((a) => {
          const status = agentStatus(a);
          const mode = modeOf(a);
          return (
            <section key={a.id} className={`card agent status-${status}`} data-testid="agent-card" data-agent-id={a.id} aria-labelledby={`agent-${a.id}`}>
              <header className="row between">
                <h2 id={`agent-${a.id}`}>{a.id}</h2>
                <div className="row">
                  <StatusTag status={status} testId="agent-status" />
                  <StatusTag status={mode} testId="agent-mode" />
                </div>
              </header>
              {a.killReason && (status === 'killed' || status === 'paused') && <p className="small">Reason: {a.killReason}</p>}
              <Budget label="Today" spent={a.spend?.todayMicroUsd} cap={a.budget?.dailyMicroUsd ?? a.dailyCapMicroUsd} />
              <Budget label="Month" spent={a.spend?.monthMicroUsd} cap={a.budget?.monthlyMicroUsd} />
              <dl className="facts small">
                <dt>Rate</dt>
                <dd>{a.ratePerMinute === null ? 'unlimited' : `${a.ratePerMinute}/min`}</dd>
                <dt>Breaker</dt>
                <dd>{a.breaker ? <StatusTag status={a.breaker.state} /> : <span className="muted">no traffic yet</span>}</dd>
              </dl>
              {canOperate && (
                <div className="row wrap">
                  {status === 'active' || status === 'tripped' ? (
                    <button type="button" className="btn" data-testid="agent-pause" onClick={() => setPending({ agent: a, verb: 'pause' })}>
                      Pause
                    </button>
                  ) : (
                    <button type="button" className="btn primary" data-testid="agent-resume" onClick={() => setPending({ agent: a, verb: 'resume' })}>
                      Resume
                    </button>
                  )}
                  {a.breaker && a.breaker.state !== 'closed' && (
                    <button type="button" className="btn" data-testid="agent-reset-breaker" onClick={() => setPending({ agent: a, verb: 'reset' })}>
                      Reset breaker
                    </button>
                  )}
                  {status !== 'killed' && (
                    <button type="button" className="btn danger" data-testid="agent-kill" onClick={() => setPending({ agent: a, verb: 'kill' })}>
                      Kill
                    </button>
                  )}
                  <button type="button" className="btn" data-testid="agent-mode-switch" onClick={() => setPending({ agent: a, verb: 'mode' })}>
                    {mode === 'draft' ? 'Switch to auto' : 'Switch to draft'}
                  </button>
                </div>
              )}
            </section>
          );
        })}
      </div>
      {pending && (
        <ReasonModal title={COPY[pending.verb].title(pending.agent)} confirmLabel={COPY[pending.verb].label} danger={COPY[pending.verb].danger} askReason={pending.verb !== 'reset'} onClose={() => setPending(null)} onConfirm={(reason) => run(pending, reason)}>
          <p>{COPY[pending.verb].text(pending.agent)}</p>
        </ReasonModal>
      )}
    </div>
  );
}
