import { useEffect, useRef, useState } from 'react';
import { api, errorText, query } from '../api/client';
import type { ActionStatus, AgentsResponse, AuditItem, AuditVerification, Page } from '../api/types';
import { useResource } from '../app/resource';
import { Modal } from '../components/Modal';
import { StatusTag } from '../components/StatusTag';
import { dateTime } from '../lib/format';

interface Filters {
  agent: string;
  kind: string;
  status: string;
  action: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { agent: '', kind: '', status: '', action: '', from: '', to: '' };
const STATUSES: ActionStatus[] = ['received', 'blocked', 'awaiting_approval', 'approved', 'rejected', 'expired', 'allowed', 'executing', 'succeeded', 'failed', 'undone'];
const KINDS = ['action.received', 'action.blocked', 'action.awaiting_approval', 'action.approved', 'action.rejected', 'action.succeeded', 'action.failed', 'approval.viewed', 'approval.edited', 'agent.mode', 'agent.killed', 'policy.loaded', 'operator.created'];
const PAGE = 100;

/** datetime-local values are local wall time; the API wants an instant. */
function instant(local: string): string {
  if (!local) return '';
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : '';
}

function params(f: Filters) {
  return { agent: f.agent, kind: f.kind, status: f.status, action: f.action, from: instant(f.from), to: instant(f.to) };
}

function statusOf(item: AuditItem): string | null {
  const k = item.kind.startsWith('action.') ? item.kind.slice('action.'.length) : null;
  return k && (STATUSES as string[]).includes(k) ? k : null;
}

function EntryDetail({ item, onClose }: { item: AuditItem; onClose: () => void }) {
  const r = useResource((signal) => api<{ entry: AuditItem; verification: AuditVerification }>(`/v1/audit/entries/${encodeURIComponent(item.id)}`, { signal }), item.id);
  const ver = r.data?.verification;
  return (
    <Modal title={`${item.kind} · ${item.agentId} #${item.seq}`} onClose={onClose} testId="audit-entry">
      {r.error && <p className="error">{r.error}</p>}
      {ver && (
        <div className={`verify ${ver.ok ? 'ok' : 'bad'}`} role="status" data-testid="audit-verification">
          <strong>{ver.ok ? '✓ Chain check passed.' : '✗ Chain check FAILED.'}</strong> {ver.message}
          <ul className="small">
            <li>Hash matches content: {ver.hashMatches ? 'yes' : 'NO'}</li>
            <li>Links to previous entry: {ver.linksToPrevious ? 'yes' : 'NO'}</li>
          </ul>
        </div>
      )}
      <dl className="facts small">
        <dt>Hash</dt>
        <dd>
          <code className="wrap">{item.hash}</code>
        </dd>
        <dt>Previous</dt>
        <dd>
          <code className="wrap">{item.prevHash ?? '—'}</code>
        </dd>
      </dl>
      <h3>Raw record</h3>
      <pre className="json" data-testid="audit-raw">{JSON.stringify(r.data?.entry ?? item, null, 2)}</pre>
    </Modal>
  );
}

/** The audit log: filters, keyset "load more", entry detail with chain verification, export. */
export function Activity() {
  const [form, setForm] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<AuditItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<AuditItem | null>(null);
  const agents = useResource((signal) => api<AgentsResponse>('/v1/agents', { signal }), 'agents');
  const sentinel = useRef<HTMLDivElement>(null);

  const load = async (after: string | null, f: Filters) => {
    setBusy(true);
    setError(null);
    try {
      const page = await api<Page<AuditItem>>(`/v1/audit${query({ ...params(f), after, limit: PAGE })}`);
      setItems((cur) => (after ? [...cur, ...page.items] : page.items));
      setNext(page.next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void load(null, applied);
  }, [applied]);

  // Infinite scroll: the next page loads when the end of the table scrolls into view; the
  // button stays for keyboard users and browsers without IntersectionObserver.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !next || busy || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void load(next, applied);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [next, busy, applied]);

  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const p = params(applied);
  const exportHref = `/v1/audit/export${query({ agent: p.agent, from: p.from, to: p.to })}`;

  return (
    <div className="page">
      <header className="page-head">
        <h1>Activity</h1>
        <a className="btn" href={exportHref} download data-testid="audit-export">
          Export JSONL
        </a>
      </header>
      <form
        className="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        <label>
          Agent
          <select value={form.agent} onChange={set('agent')} data-testid="filter-agent">
            <option value="">all</option>
            {agents.data?.items.map((a) => (
              <option key={a.id} value={a.id}>
                {a.id}
              </option>
            ))}
            <option value="_system">_system</option>
          </select>
        </label>
        <label>
          Kind
          <input list="audit-kinds" value={form.kind} onChange={set('kind')} placeholder="e.g. action.blocked" data-testid="filter-kind" />
          <datalist id="audit-kinds">
            {KINDS.map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
        </label>
        <label>
          Status
          <select value={form.status} onChange={set('status')} data-testid="filter-status">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action id
          <input value={form.action} onChange={set('action')} placeholder="act_…" />
        </label>
        <label>
          From
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" value={form.to} onChange={set('to')} />
        </label>
        <div className="row filter-buttons">
          <button type="submit" className="btn primary">
            Apply
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setForm(EMPTY);
              setApplied(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Agent</th>
              <th scope="col">Kind</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">
                <span className="sr-only">Detail</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => {
              const st = statusOf(i);
              const actor = (i.entry as { actor?: { type?: string; id?: string } } | null)?.actor;
              return (
                <tr key={i.id}>
                  <td className="nowrap">{dateTime(i.ts)}</td>
                  <td>{i.agentId}</td>
                  <td>{st ? <StatusTag status={st} /> : <code>{i.kind}</code>}</td>
                  <td>
                    <code className="small">{i.actionId ?? '—'}</code>
                  </td>
                  <td className="small">{actor ? `${actor.type ?? ''}:${actor.id ?? ''}` : '—'}</td>
                  <td>
                    <button type="button" className="btn small" onClick={() => setOpen(i)} data-testid="audit-open">
                      Details
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {items.length === 0 && !busy && <p className="muted">No entries match.</p>}
      <div className="row center" ref={sentinel}>
        {next ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void load(next, applied)} data-testid="audit-more">
            {busy ? 'Loading…' : 'Load more'}
          </button>
        ) : (
          items.length > 0 && <span className="muted small">End of log.</span>
        )}
      </div>
      {open && <EntryDetail item={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
