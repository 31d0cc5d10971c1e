import { useEffect, useRef, useState } from 'react';
import type { ChartSpec, MountedChart } from './uplot-mount';

export type { ChartSpec, LineSeries } from './uplot-mount';

/** A titled uPlot time-series chart, sized to its container and loaded lazily. */
export function Chart({ title, spec, testId, summary }: { title: string; spec: ChartSpec; testId: string; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<MountedChart | null>(null);
  const latest = useRef(spec);
  latest.current = spec;
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let cancelled = false;
    let ro: ResizeObserver | null = null;
    import('./uplot-mount').then(
      ({ mountChart }) => {
        if (cancelled) return;
        chart.current = mountChart(el, latest.current, Math.max(200, el.clientWidth));
        ro = new ResizeObserver(() => chart.current?.setSize(Math.max(200, el.clientWidth)));
        ro.observe(el);
      },
      (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
      ro?.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(spec);
  }, [spec]);

  return (
    <figure className="card chart" data-testid={testId}>
      <figcaption>
        <h3>{title}</h3>
        <span className="muted small">{summary}</span>
      </figcaption>
      {failed ? <p className="error">Chart failed to load: {failed}</p> : <div ref={box} className="chart-box" role="img" aria-label={`${title}: ${summary}`} />}
    </figure>
  );
}
