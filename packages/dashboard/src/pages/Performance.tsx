import { useState } from 'react';
import { api, query } from '../api/client';
import type { PerformanceResponse, PerformanceRow } from '../api/types';
import { useResource } from '../app/resource';
import { useStreamEvent } from '../app/stream';
import { useThrottled } from '../app/throttle';
import { pct } from '../lib/format';

const num = (n: number) => n.toLocaleString('en-US');

/** Approval rate as a bar: green when humans approve most drafts, amber, then red. */
function Rate({ r }: { r: PerformanceRow }) {
  const rate = r.approvals.rate;
  if (rate === null) return <span className="muted">no human decisions</span>;
  const level = rate >= 0.8 ? 'ok' : rate >= 0.5 ? 'warn' : 'danger';
  return (
    <div className="mini-budget">
      <div className={`bar thin level-${level}`} role="meter" aria-label={`approval rate of ${r.key}`} aria-valuemin={0} aria-valuemax={1} aria-valuenow={rate}>
        <div className="bar-fill" style={{ width: `${(rate * 100).toFixed(1)}%` }} />
      </div>
      <span className="small">
        {pct(rate)} of {num(r.approvals.approved + r.approvals.rejected + r.approvals.expired)}
        {r.approvals.pending > 0 ? `, ${num(r.approvals.pending)} waiting` : ''}
      </span>
    </div>
  );
}

/** Performance: engagement and approval rate per platform and per campaign. */
export function Performance() {
  const [by, setBy] = useState<'platform' | 'campaign'>('platform');
  const [days, setDays] = useState(7);
  const r = useResource((signal) => api<PerformanceResponse>(`/v1/stats/performance${query({ by, days })}`, { signal }), `${by}:${days}`);
  useStreamEvent(['action'], useThrottled(r.reload, 5000));
  const rows = r.data?.items ?? [];
  return (
    <div className="page">
      <header className="page-head">
        <h1>Performance</h1>
        <label className="inline">
          By{' '}
          <select value={by} onChange={(e) => setBy(e.target.value as 'platform' | 'campaign')} data-testid="performance-by">
            <option value="platform">platform</option>
            <option value="campaign">campaign</option>
          </select>
        </label>
        <label className="inline">
          Period{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={1}>24 h</option>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
          </select>
        </label>
      </header>
      {r.error && (
        <p className="error" role="alert">
          {r.error}
        </p>
      )}
      {r.data && rows.length === 0 && <p className="muted">Nothing submitted in this period.</p>}
      {rows.length > 0 && (
        <section>
          <div className="table-wrap">
          <table className="table" data-testid="performance-table">
            <thead>
              <tr>
                <th scope="col">{by}</th>
                <th scope="col">actions</th>
                <th scope="col">published</th>
                <th scope="col">blocked</th>
                <th scope="col">approval rate</th>
                <th scope="col">impressions</th>
                <th scope="col">likes</th>
                <th scope="col">comments</th>
                <th scope="col">shares</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} data-testid="performance-row" data-key={row.key}>
                  <th scope="row">{row.key}</th>
                  <td>{num(row.actions)}</td>
                  <td>
                    {num(row.published)}
                    {row.undone > 0 ? <span className="muted small"> ({num(row.undone)} undone)</span> : null}
                  </td>
                  <td>{num(row.blocked)}</td>
                  <td>
                    <Rate r={row} />
                  </td>
                  <td>{num(row.engagement.impressions)}</td>
                  <td>{num(row.engagement.likes)}</td>
                  <td>{num(row.engagement.comments)}</td>
                  <td>{num(row.engagement.shares)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          <p className="small muted">Engagement is what each platform last reported for the posts Bridle published (fetched every hour for a week by default; the outbox sandbox reports none).</p>
        </section>
      )}
    </div>
  );
}
