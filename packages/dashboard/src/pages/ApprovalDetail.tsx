import { useEffect, useState } from 'react';
import { api, errorText } from '../api/client';
import type { ActionView, Params } from '../api/types';
import { useResource } from '../app/resource';
import { DiffView } from '../components/DiffView';
import { Highlighted } from '../components/Highlighted';
import { StatusTag } from '../components/StatusTag';
import { dateTime, usd } from '../lib/format';
import { findingsFor } from '../lib/highlight';

interface Props {
  id: string;
  canApprove: boolean;
  editing: boolean;
  setEditing: (v: boolean) => void;
  /** Approve with the params shown (and edited ones, when changed). */
  onApprove: (view: ActionView, edited: Params | null) => Promise<void>;
  onReject: (view: ActionView) => void;
}

function stringFields(params: Params): string[] {
  return Object.keys(params).filter((k) => typeof params[k] === 'string');
}

/**
 * One pending approval: content with findings highlighted in place, checks, rationale and cost;
 * edit mode shows the word diff against what the agent proposed.
 */
export function ApprovalDetail({ id, canApprove, editing, setEditing, onApprove, onReject }: Props) {
  const view = useResource((signal) => api<ActionView>(`/v1/approvals/${encodeURIComponent(id)}`, { signal }), id);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const v = view.data;

  useEffect(() => {
    setError(null);
    if (!v) return;
    const d: Record<string, string> = {};
    for (const k of stringFields(v.params)) d[k] = v.params[k] as string;
    setDraft(d);
  }, [v]);

  if (view.error) return <p className="error" role="alert">{view.error}</p>;
  if (!v) return <p className="muted">Loading…</p>;

  const fields = stringFields(v.params);
  const changed = fields.filter((k) => draft[k] !== undefined && draft[k] !== v.params[k]);
  const others = Object.fromEntries(Object.entries(v.params).filter(([k]) => !fields.includes(k)));
  const checks = v.decision?.checks ?? [];

  const approve = () => {
    setBusy(true);
    setError(null);
    const edited = changed.length ? { ...v.params, ...draft } : null;
    onApprove(v, edited).catch((e: unknown) => {
      setError(errorText(e));
      setBusy(false);
      view.reload();
    });
  };

  return (
    <article className="detail" data-testid="approval-detail" aria-labelledby="detail-h">
      <header className="detail-head">
        <div>
          <h2 id="detail-h">
            {v.type} <span className="muted">by</span> {v.agentId}
          </h2>
          <div className="muted small">
            {dateTime(v.createdAt)} · <code title="paramsHash: approval binds to these exact parameters">{v.paramsHash.slice(0, 12)}</code>
            {v.campaign ? ` · campaign ${v.campaign}` : ''}
          </div>
        </div>
        <StatusTag status={v.status} />
      </header>

      {v.decision && <p className="why">{v.decision.reason}</p>}

      {fields.map((k) => {
        const original = v.params[k] as string;
        return (
          <section key={k} className="field">
            <h3>
              <label htmlFor={`edit-${k}`}>{k}</label>
            </h3>
            {editing ? (
              <>
                {original.length < 60 && !original.includes('\n') ? (
                  <input id={`edit-${k}`} data-testid={`edit-${k}`} className="edit" value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
                ) : (
                  <textarea
                    id={`edit-${k}`}
                    data-testid={`edit-${k}`}
                    className="edit"
                    rows={Math.min(12, Math.max(3, Math.ceil(original.length / 70)))}
                    value={draft[k] ?? ''}
                    onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
                  />
                )}
                {draft[k] !== original && <DiffView before={original} after={draft[k] ?? ''} />}
              </>
            ) : (
              <Highlighted text={original} findings={findingsFor(checks, k)} />
            )}
          </section>
        );
      })}
      {Object.keys(others).length > 0 && (
        <section className="field">
          <h3>Other parameters</h3>
          <pre className="json">{JSON.stringify(others, null, 2)}</pre>
        </section>
      )}

      <dl className="facts">
        <dt>Rationale</dt>
        <dd>{v.rationale ?? <span className="muted">none given</span>}</dd>
        <dt>Estimated cost</dt>
        <dd>{usd(v.estimatedCostMicroUsd)}</dd>
        <dt>Policy</dt>
        <dd>
          <code>{v.policyVersion.slice(0, 12)}</code>
        </dd>
      </dl>

      {checks.length > 0 && (
        <section>
          <h3>Checks</h3>
          <ul className="checks">
            {checks.map((c) => (
              <li key={c.name} className={c.passed ? 'pass' : 'fail'}>
                <span className="check-mark" aria-hidden="true">{c.passed ? '✓' : '✗'}</span>
                <strong>{c.name}</strong> <span className="muted small">score {c.score.toFixed(2)}</span>
                <div className="small">{c.reason}</div>
                {c.findings.length > 0 && (
                  <ul className="small">
                    {c.findings.map((f, i) => (
                      <li key={i}>
                        {f.message}
                        {f.match ? (
                          <>
                            {' '}
                            — <mark className="finding">{f.match}</mark>
                          </>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      {error && (
        <p className="error" role="alert" data-testid="approval-error">
          {error}
        </p>
      )}

      {v.status === 'awaiting_approval' && (
        <div className="row actions-bar">
          {canApprove ? (
            <>
              <button type="button" className="btn primary" data-testid="approve" disabled={busy} onClick={approve}>
                {changed.length ? 'Approve edited' : 'Approve'} <kbd>a</kbd>
              </button>
              <button type="button" className="btn danger" data-testid="reject" disabled={busy} onClick={() => onReject(v)}>
                Reject <kbd>r</kbd>
              </button>
              {editing ? (
                <button type="button" className="btn" data-testid="cancel-edit" onClick={() => setEditing(false)}>
                  Cancel edit
                </button>
              ) : (
                <button type="button" className="btn" data-testid="edit" disabled={fields.length === 0} onClick={() => setEditing(true)}>
                  Edit <kbd>e</kbd>
                </button>
              )}
            </>
          ) : (
            <p className="muted">Your role (viewer) can read approvals but not decide them.</p>
          )}
        </div>
      )}
    </article>
  );
}
