import { api } from '../api/client';
import type { PolicyView } from '../api/types';
import { useResource } from '../app/resource';
import { useStreamEvent } from '../app/stream';
import { dateTime } from '../lib/format';

const KNOWN = new Set(['version', 'file', 'agents', 'actions', 'lastReload']);

/** The running policy: version, file, what it defines, and whether the last reload failed. */
export function Policy() {
  const r = useResource((signal) => api<PolicyView>('/v1/policy', { signal }), 'policy');
  useStreamEvent(['policy'], r.reload);
  const p = r.data;
  const extra = p ? Object.fromEntries(Object.entries(p).filter(([k]) => !KNOWN.has(k))) : {};
  const source = typeof extra.source === 'string' ? extra.source : typeof extra.yaml === 'string' ? extra.yaml : null;
  return (
    <div className="page">
      <header className="page-head">
        <h1>Policy</h1>
      </header>
      {r.error && (
        <p className="error" role="alert">
          {r.error}
        </p>
      )}
      {p && (
        <>
          {p.lastReload && !p.lastReload.ok && (
            <div className="banner danger" role="alert" data-testid="policy-reload-error">
              <strong>The last reload failed at {dateTime(p.lastReload.at)}; the policy below is still running.</strong>
              <pre className="json">{p.lastReload.error ?? 'no details'}</pre>
            </div>
          )}
          <section className="card">
            <dl className="facts">
              <dt>Version</dt>
              <dd>
                <code data-testid="policy-version">{p.version}</code>
              </dd>
              <dt>File</dt>
              <dd>
                <code>{p.file ?? '(in memory)'}</code>
              </dd>
              <dt>Last reload</dt>
              <dd>{p.lastReload ? `${p.lastReload.ok ? 'ok' : 'failed'} at ${dateTime(p.lastReload.at)}` : 'loaded at start-up'}</dd>
              <dt>Agents</dt>
              <dd>{p.agents.join(', ') || '—'}</dd>
              <dt>Action types</dt>
              <dd>{p.actions.join(', ') || '—'}</dd>
            </dl>
          </section>
          {source ? (
            <section className="card">
              <h2>Source</h2>
              <pre className="json">{source}</pre>
            </section>
          ) : (
            Object.keys(extra).length > 0 && (
              <section className="card">
                <h2>Details</h2>
                <pre className="json">{JSON.stringify(extra, null, 2)}</pre>
              </section>
            )
          )}
        </>
      )}
    </div>
  );
}
