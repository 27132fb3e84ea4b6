// Live time-series charts (uPlot): a time axis, drag to zoom, double-click to reset, a fixed history
// (HISTORY_S seconds) kept per series, resized with their container.
import uPlot from 'uplot';

export const HISTORY_S = 300;
const COLORS = ['#0b5cad', '#b3261e', '#1b7f3a', '#8a4baf', '#a35200'];

export class History {
  constructor() { this.t = []; this.v = []; }
  push(tS, value) {
    this.t.push(tS); this.v.push(value);
    const cut = tS - HISTORY_S;
    let n = 0;
    while (n < this.t.length && this.t[n] < cut) n++;
    if (n) { this.t.splice(0, n); this.v.splice(0, n); }
  }
}

// series: [{label, history (History) or values aligned to `times`}]
export function makeChart(container, { title, series, unit, height = 150 }) {
  const width = Math.max(200, container.clientWidth || 300);
  const opts = {
    title, width, height,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    legend: { show: series.length > 1, live: false },
    axes: [{ stroke: '#444', grid: { stroke: '#e5e5e5' } },
      { stroke: '#444', grid: { stroke: '#e5e5e5' }, size: 60, values: (u, vals) => vals.map((v) => `${v}${unit ? ' ' + unit : ''}`) }],
    series: [{ label: 'time', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
      ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { show: false } }))],
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], container);
  const ro = new ResizeObserver(() => {
    const w = container.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
  });
  ro.observe(container);
  return { plot, destroy() { ro.disconnect(); plot.destroy(); } };
}
