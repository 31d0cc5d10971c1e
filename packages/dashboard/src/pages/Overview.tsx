import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { AlertView, Overview as OverviewData } from '../api/types';
import { navigate } from '../app/router';
import { useResource } from '../app/resource';
import { useStreamEvent } from '../app/stream';
import { useInterval, useThrottled } from '../app/throttle';
import { Chart, type ChartSpec } from '../components/Chart';
import { SpendBars } from '../components/SpendBars';
import { ago, duration, pct, usd } from '../lib/format';

const WINDOWS = [
  { minutes: 60, label: '1 h' },
  { minutes: 360, label: '6 h' },
  { minutes: 1440, label: '24 h' },
];

const COLORS = { allowed: '#1f9d55', blocked: '#d64545', errors: '#e08a00', latency: '#6b5bd6', spend: '#2b7bd6' };

function ratio(n: number, d: number): number | null {
  return d > 0 ? n / d : null;
}

function specs(data: OverviewData): Record<'actions' | 'rates' | 'latency' | 'spend', ChartSpec> {
  const p = data.series.points;
  const times = p.map((x) => x.t);
  return {
    actions: {
      times,
      format: (v) => String(Math.round(v * 10) / 10),
      series: [
        { label: 'allowed', color: COLORS.allowed, values: p.map((x) => x.allowed), fill: true },
        { label: 'blocked', color: COLORS.blocked, values: p.map((x) => x.blocked) },
        { label: 'errors', color: COLORS.errors, values: p.map((x) => x.errors) },
      ],
    },
    rates: {
      times,
      format: (v) => pct(v),
      series: [
        { label: 'block rate', color: COLORS.blocked, values: p.map((x) => ratio(x.blocked, x.actions)), points: true },
        { label: 'error rate', color: COLORS.errors, values: p.map((x) => ratio(x.errors, x.actions)), points: true },
      ],
    },
    latency: {
      times,
      format: (v) => duration(v),
      series: [{ label: 'approval p50', color: COLORS.latency, values: p.map((x) => x.approvalLatencyMsP50), points: true }],
    },
    spend: {
      times,
      bars: true,
      format: (v) => usd(v),
      series: [{ label: 'spend', color: COLORS.spend, values: p.map((x) => x.spendMicroUsd) }],
    },
  };
}

function Tile({ label, value, tone, onClick, testId }: { label: string; value: string; tone?: string; onClick?: () => void; testId?: string }) {
  const body = (
    <>
      <span className="tile-label">{label}</span>
      <span className="tile-value">{value}</span>
    </>
  );
  return onClick ? (
    <button type="button" className={`tile ${tone ?? ''}`} onClick={onClick} data-testid={testId}>
      {body}
    </button>
  ) : (
    <div className={`tile ${tone ?? ''}`} data-testid={testId}>
      {body}
    </div>
  );
}

export function AlertList({ items }: { items: AlertView[] }) {
  if (items.length === 0) return <p className="muted">No alerts. All quiet.</p>;
  return (
    <ul className="alerts" data-testid="alerts">
      {items.map((a) => (
        <li key={a.id} className={`alert sev-${a.severity}`}>
          <div className="row between">
            <strong>{a.title}</strong>
            <span className="muted small" title={a.createdAt}>
              {ago(a.createdAt)}
            </span>
          </div>
          <p className="alert-text">{a.text}</p>
          <div className="muted small">
            <span className={`tag sev-${a.severity}`}>{a.severity}</span> {a.kind}
            {a.agentId ? ` · ${a.agentId}` : ''} · {a.status}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The overview: spend against caps, traffic and approval charts, current alerts. */
export function Overview() {
  const [minutes, setMinutes] = useState(60);
  const stats = useResource((signal) => api<OverviewData>(`/v1/stats/overview?minutes=${minutes}`, { signal }), String(minutes));
  const alerts = useResource((signal) => api<{ items: AlertView[] }>('/v1/alerts?limit=20', { signal }), 'alerts');
  const refreshStats = useThrottled(stats.reload, 3000);
  useStreamEvent(['action'], refreshStats);
  useStreamEvent(['alert'], alerts.reload);
  // The newest minute bucket moves on even when nothing happens.
  useInterval(stats.reload, 30_000);
  const charts = useMemo(() => (stats.data ? specs(stats.data) : null), [stats.data]);
  const t = stats.data?.totals;
  const p = stats.data?.series.points ?? [];
  const spendWindow = p.reduce((s, x) => s + x.spendMicroUsd, 0);
  const latencies = p.map((x) => x.approvalLatencyMsP50).filter((x): x is number => x !== null);

  return (
    <div className="page">
      <header className="page-head">
        <h1>Overview</h1>
        <div className="seg" role="group" aria-label="Time window">
          {WINDOWS.map((w) => (
            <button key={w.minutes} type="button" className={`btn small ${w.minutes === minutes ? 'primary' : ''}`} aria-pressed={w.minutes === minutes} onClick={() => setMinutes(w.minutes)}>
              {w.label}
            </button>
          ))}
        </div>
      </header>
      {stats.error && (
        <p className="error" role="alert">
          {stats.error}
        </p>
      )}
      {t && (
        <section className="tiles" aria-label="Totals">
          <Tile label={`Actions (${WINDOWS.find((w) => w.minutes === minutes)?.label})`} value={String(t.actions)} testId="tile-actions" />
          <Tile label="Block rate" value={pct(t.blockRate)} tone={t.blockRate > 0.2 ? 'warn' : ''} />
          <Tile label="Error rate" value={pct(t.errorRate)} tone={t.errorRate > 0.05 ? 'danger' : ''} />
          <Tile label="Pending approvals" value={String(t.pendingApprovals)} tone={t.pendingApprovals > 0 ? 'attn' : ''} onClick={() => navigate('/approvals')} testId="tile-pending" />
        </section>
      )}
      <div className="grid-2">
        <section className="card" aria-labelledby="spend-h">
          <h2 id="spend-h">Spend against caps</h2>
          {stats.data ? <SpendBars rows={stats.data.spend} /> : <p className="muted">{stats.loading ? 'Loading…' : ''}</p>}
        </section>
        <section className="card" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Alerts</h2>
          {alerts.error ? <p className="error">{alerts.error}</p> : <AlertList items={alerts.data?.items ?? []} />}
        </section>
      </div>
      {charts && (
        <div className="grid-2">
          <Chart title="Actions per minute" spec={charts.actions} testId="chart-actions" summary={`${t?.actions ?? 0} in window`} />
          <Chart title="Block and error rate" spec={charts.rates} testId="chart-rates" summary={`block ${pct(t?.blockRate ?? 0)}, error ${pct(t?.errorRate ?? 0)}`} />
          <Chart title="Approval latency (p50)" spec={charts.latency} testId="chart-latency" summary={latencies.length ? `latest ${duration(latencies[latencies.length - 1]!)}` : 'no approvals decided'} />
          <Chart title="Spend per minute" spec={charts.spend} testId="chart-spend" summary={`${usd(spendWindow)} in window`} />
        </div>
      )}
    </div>
  );
}
