import type { SpendRow } from '../api/types';
import { capLevel, capShare, usd } from '../lib/format';

function Bar({ label, spent, cap }: { label: string; spent: number; cap: number | null }) {
  const share = capShare(spent, cap);
  const level = capLevel(spent, cap);
  const text = cap === null ? `${usd(spent)} (no cap)` : `${usd(spent)} of ${usd(cap)}`;
  return (
    <div className="bar-row">
      <span className="bar-label">{label}</span>
      <div
        className={`bar level-${level}`}
        role="meter"
        aria-label={`${label}: ${text}`}
        aria-valuemin={0}
        aria-valuemax={cap ?? Math.max(spent, 1)}
        aria-valuenow={spent}
      >
        <div className="bar-fill" style={{ width: `${((share ?? 0) * 100).toFixed(1)}%` }} />
      </div>
      <span className="bar-value">{text}</span>
    </div>
  );
}

/** Spend today and this month against caps, one pair of bars per scope, coloured by share of cap. */
export function SpendBars({ rows }: { rows: SpendRow[] }) {
  if (rows.length === 0) return <p className="muted">No budgets configured and nothing spent yet.</p>;
  const order = { global: 0, agent: 1, campaign: 2, action_type: 3 } as const;
  const sorted = [...rows].sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
  return (
    <ul className="spend-list" data-testid="spend-bars">
      {sorted.map((r) => (
        <li key={r.scope} className="spend-item">
          <div className="spend-name">
            <span className={`tag kind-${r.kind}`}>{r.kind.replace('_', ' ')}</span> {r.name}
          </div>
          <Bar label="Today" spent={r.today.spentMicroUsd} cap={r.today.capMicroUsd} />
          <Bar label="Month" spent={r.month.spentMicroUsd} cap={r.month.capMicroUsd} />
        </li>
      ))}
    </ul>
  );
}
