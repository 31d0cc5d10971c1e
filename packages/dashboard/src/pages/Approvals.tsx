import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { ActionView, Params } from '../api/types';
import { useResource } from '../app/resource';
import { useCan } from '../app/session';
import { useStreamEvent } from '../app/stream';
import { Modal } from '../components/Modal';
import { ReasonModal } from '../components/ReasonModal';
import { useToast } from '../components/Toasts';
import { ago, usd } from '../lib/format';
import { postText } from '../lib/platforms';
import { ApprovalDetail } from './ApprovalDetail';

function isAction(v: unknown): v is ActionView {
  return typeof v === 'object' && v !== null && typeof (v as ActionView).id === 'string' && typeof (v as ActionView).status === 'string';
}

function typingInField(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous approval'],
  ['a', 'approve (the edited version, while editing)'],
  ['r', 'reject, with a reason'],
  ['e', 'edit the content'],
  ['Esc', 'leave edit mode, close a dialog'],
  ['?', 'this help'],
];

/** How long a live event outranks a list fetched around the same time. */
const LIVE_MEMORY_MS = 30_000;

/** The approvals inbox: pending actions arrive live over SSE; keyboard-first. */
export function Approvals() {
  const canApprove = useCan('approve');
  const toast = useToast();
  const list = useResource((signal) => api<{ items: ActionView[] }>('/v1/approvals', { signal }), 'approvals');
  const [items, setItems] = useState<ActionView[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [rejecting, setRejecting] = useState<ActionView | null>(null);
  const [help, setHelp] = useState(false);

  // What the live stream said recently, by action id: a list fetched before those events (its
  // answer can arrive after them) must not undo them.
  const live = useRef(new Map<string, { item: ActionView | null; at: number }>());
  useEffect(() => {
    if (!list.data) return;
    const now = Date.now();
    for (const [id, e] of live.current) if (now - e.at > LIVE_MEMORY_MS) live.current.delete(id);
    const fetched = list.data.items.filter((i) => live.current.get(i.id)?.item !== null);
    const known = new Set(fetched.map((i) => i.id));
    const arrived = [...live.current.values()].flatMap((e) => (e.item && !known.has(e.item.id) ? [e.item] : []));
    setItems([...fetched, ...arrived]);
  }, [list.data]);

  useEffect(() => {
    if (selected && items.some((i) => i.id === selected)) return;
    setSelected(items[0]?.id ?? null);
    setEditing(false);
  }, [items, selected]);

  useStreamEvent(['action'], (data) => {
    if (!isAction(data)) return list.reload();
    live.current.set(data.id, { item: data.status === 'awaiting_approval' ? data : null, at: Date.now() });
    setItems((cur) => {
      const has = cur.some((i) => i.id === data.id);
      if (data.status === 'awaiting_approval') return has ? cur.map((i) => (i.id === data.id ? data : i)) : [...cur, data];
      return has ? cur.filter((i) => i.id !== data.id) : cur;
    });
  });

  const select = useCallback((id: string | null) => {
    setSelected(id);
    setEditing(false);
  }, []);

  const decided = (id: string, what: string) => {
    live.current.set(id, { item: null, at: Date.now() });
    const idx = items.findIndex((i) => i.id === id);
    const rest = items.filter((i) => i.id !== id);
    setItems(rest);
    select(rest[Math.min(idx, rest.length - 1)]?.id ?? null);
    toast(what);
  };

  const approve = async (v: ActionView, edited: Params | null) => {
    const r = await api<ActionView>(`/v1/approvals/${encodeURIComponent(v.id)}/approve`, { method: 'POST', body: { paramsHash: v.paramsHash, ...(edited ? { params: edited } : {}) } });
    decided(v.id, `${edited ? 'Edited and approved' : 'Approved'}: ${v.type} by ${v.agentId} (${r.status.replace(/_/g, ' ')})`);
  };

  const current = items.find((i) => i.id === selected) ?? null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typingInField(e.target) || rejecting || document.querySelector('dialog[open]')) return;
      const idx = items.findIndex((i) => i.id === selected);
      if (e.key === 'j' || e.key === 'k') {
        const next = items[Math.max(0, Math.min(items.length - 1, idx + (e.key === 'j' ? 1 : -1)))];
        if (next) select(next.id);
      } else if (e.key === '?') setHelp(true);
      else if (!current || !canApprove) return;
      else if (e.key === 'e') setEditing(true);
      else if (e.key === 'r') setRejecting(current);
      else if (e.key === 'a') document.querySelector<HTMLButtonElement>('[data-testid="approve"]')?.click();
      else return;
      e.preventDefault();
    };
    const onEsc = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && editing && !document.querySelector('dialog[open]')) setEditing(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keydown', onEsc);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keydown', onEsc);
    };
  }, [items, selected, current, canApprove, rejecting, editing, select]);

  return (
    <div className="page">
      <header className="page-head">
        <h1>
          Approvals <span className="count" data-testid="approvals-count">{items.length}</span>
        </h1>
        <button type="button" className="btn ghost small" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
          Shortcuts <kbd>?</kbd>
        </button>
      </header>
      {list.error && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      <div className="inbox">
        <ul className="inbox-list" aria-label="Pending approvals" data-testid="approvals-list">
          {items.length === 0 && !list.loading && <li className="muted empty">Nothing waiting. New approvals appear here as they arrive.</li>}
          {items.map((a) => (
            <li key={a.id}>
              <button type="button" className={`inbox-item ${a.id === selected ? 'selected' : ''}`} aria-current={a.id === selected} data-testid="approval-item" data-action-id={a.id} onClick={() => select(a.id)}>
                <div className="row between">
                  <strong>{a.type}</strong>
                  <span className="muted small">{ago(a.createdAt)}</span>
                </div>
                <div className="small">
                  {a.agentId}
                  {typeof a.params.platform === 'string' ? ` · ${a.params.platform}` : ''} · {usd(a.estimatedCostMicroUsd)}
                </div>
                <div className="preview small">{postText(a.params) || JSON.stringify(a.params).slice(0, 120)}</div>
                {a.decision?.checks.some((c) => !c.passed) && <span className="tag tone-warn">flagged</span>}
              </button>
            </li>
          ))}
        </ul>
        <div className="inbox-detail">
          {current ? (
            <ApprovalDetail key={current.id} id={current.id} canApprove={canApprove} editing={editing} setEditing={setEditing} onApprove={approve} onReject={setRejecting} />
          ) : (
            <p className="muted">Select an approval.</p>
          )}
        </div>
      </div>
      {rejecting && (
        <ReasonModal
          title={`Reject ${rejecting.type} by ${rejecting.agentId}`}
          confirmLabel="Reject"
          danger
          onClose={() => setRejecting(null)}
          onConfirm={async (reason) => {
            await api(`/v1/approvals/${encodeURIComponent(rejecting.id)}/reject`, { method: 'POST', body: { reason } });
            decided(rejecting.id, `Rejected: ${rejecting.type} by ${rejecting.agentId}`);
          }}
        >
          <p>The agent is told it was rejected, with your reason; its budget reservation is released.</p>
        </ReasonModal>
      )}
      {help && (
        <Modal title="Keyboard shortcuts" onClose={() => setHelp(false)} testId="shortcuts">
          <dl className="shortcuts">
            {SHORTCUTS.map(([k, d]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{d}</dd>
              </div>
            ))}
          </dl>
        </Modal>
      )}
    </div>
  );
}
