// Loaded on demand (dynamic import) so uPlot and its stylesheet are a separate chunk that only
// the overview fetches.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  label: string;
  color: string;
  values: (number | null)[];
  fill?: boolean;
  /** Draw a dot per value: for sparse series, where a lone minute would otherwise be invisible. */
  points?: boolean;
}

export interface ChartSpec {
  /** Epoch milliseconds, ascending. */
  times: number[];
  series: LineSeries[];
  format: (v: number) => string;
  bars?: boolean;
}

export interface MountedChart {
  setSize(width: number): void;
  setData(spec: ChartSpec): void;
  destroy(): void;
}

const HEIGHT = 180;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function build(spec: ChartSpec, width: number): uPlot.Options {
  const axisColor = cssVar('--muted', '#667');
  const grid = cssVar('--grid', 'rgba(127,127,127,0.2)');
  const axis = { stroke: axisColor, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const barPaths = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
  return {
    width,
    height: HEIGHT,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1e-9) * 1.1] } },
    axes: [
      { ...axis },
      { ...axis, size: 60, values: (_u, vals) => vals.map((v) => spec.format(v)) },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        ...(s.fill ? { fill: `${s.color}33` } : {}),
        ...(s.points ? { points: { show: true, size: 6, fill: s.color } } : {}),
        ...(spec.bars && barPaths ? { paths: barPaths, fill: `${s.color}aa` } : {}),
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.format(v)),
        spanGaps: false,
      })),
    ],
  };
}

function data(spec: ChartSpec): uPlot.AlignedData {
  return [spec.times.map((t) => t / 1000), ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
}

/** Draws a time-series chart into `el` (uPlot renders a canvas). */
export function mountChart(el: HTMLElement, spec: ChartSpec, width: number): MountedChart {
  let shape = spec.series.map((s) => s.label).join('|');
  let plot = new uPlot(build(spec, width), data(spec), el);
  return {
    setSize(w) {
      plot.setSize({ width: w, height: HEIGHT });
    },
    setData(next) {
      const nextShape = next.series.map((s) => s.label).join('|');
      if (nextShape !== shape) {
        const w = plot.width;
        plot.destroy();
        plot = new uPlot(build(next, w), data(next), el);
        shape = nextShape;
      } else plot.setData(data(next));
    },
    destroy() {
      plot.destroy();
    },
  };
}
