/** Formatting for money (integer micro-USD), percentages, durations and times. */

/** `1234567` micro-USD → `$1.23`; sub-cent amounts keep enough digits to be non-zero. */
export function usd(micro: number): string {
  const dollars = micro / 1_000_000;
  if (micro !== 0 && Math.abs(dollars) < 0.01) return `$${dollars.toFixed(4)}`;
  return `$${dollars.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** 0.1234 → `12.3%`. */
export function pct(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(ratio >= 0.1 || ratio === 0 ? 0 : 1)}%`;
}

/** 1500 → `1.5 s`, 90000 → `1.5 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** How long ago, coarse: `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function ago(iso: string, now: number = Date.now()): string {
  const d = now - Date.parse(iso);
  if (!Number.isFinite(d)) return iso;
  if (d < 45_000) return 'just now';
  if (d < 3_600_000) return `${Math.round(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.round(d / 3_600_000)} h ago`;
  return `${Math.round(d / 86_400_000)} d ago`;
}

/** Local date and time, to the second. */
export function dateTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return new Date(t).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Fill level colour band for a spend bar: under 70% ok, under 90% warn, else danger. */
export type Level = 'ok' | 'warn' | 'danger' | 'none';
export function capLevel(spent: number, cap: number | null): Level {
  if (cap === null) return 'none';
  if (cap <= 0) return spent > 0 ? 'danger' : 'ok';
  const r = spent / cap;
  return r >= 0.9 ? 'danger' : r >= 0.7 ? 'warn' : 'ok';
}

/** Share of a cap used, clamped to [0, 1] for drawing; null without a cap. */
export function capShare(spent: number, cap: number | null): number | null {
  if (cap === null) return null;
  if (cap <= 0) return spent > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, spent / cap));
}
