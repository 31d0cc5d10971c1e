import { useEffect, useState } from 'react';
import { api, errorText, query } from '../api/client';
import type { AgentsResponse, OutboxItem, Page } from '../api/types';
import { useResource } from '../app/resource';
import { useStreamEvent } from '../app/stream';
import { useThrottled } from '../app/throttle';
import { PostCard } from '../components/PostCard';

function isSucceeded(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'succeeded';
}

/** What the sandbox connector recorded instead of publishing, previewed per platform. */
export function Outbox() {
  const [agent, setAgent] = useState('');
  const [items, setItems] = useState<OutboxItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const agents = useResource((signal) => api<AgentsResponse>('/v1/agents', { signal }), 'agents');

  const load = async (after: string | null) => {
    setBusy(true);
    try {
      const page = await api<Page<OutboxItem>>(`/v1/outbox${query({ agent, after, limit: 50 })}`);
      setItems((cur) => (after ? [...cur, ...page.items] : page.items));
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [agent, tick]);

  // A succeeded action may have written an outbox row: reload the first page (at most once a
  // second, however many posts succeed).
  const refresh = useThrottled(() => setTick((t) => t + 1), 1000);
  useStreamEvent(['action'], (data) => {
    if (data === null || isSucceeded(data)) refresh();
  });

  return (
    <div className="page">
      <header className="page-head">
        <h1>Outbox</h1>
        <label className="inline">
          Agent{' '}
          <select value={agent} onChange={(e) => setAgent(e.target.value)}>
            <option value="">all</option>
            {agents.data?.items.map((a) => (
              <option key={a.id} value={a.id}>
                {a.id}
              </option>
            ))}
          </select>
        </label>
      </header>
      <p className="muted small">The outbox connector records posts here instead of publishing them. Nothing on this page left the machine.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="posts" data-testid="outbox-list">
        {items.map((i) => (
          <PostCard key={i.id} item={i} />
        ))}
      </div>
      {items.length === 0 && !busy && <p className="muted">Nothing in the outbox yet.</p>}
      {next && (
        <div className="row center">
          <button type="button" className="btn" disabled={busy} onClick={() => void load(next)}>
            {busy ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}
