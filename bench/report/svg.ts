/**
 * A hand-written SVG bar chart of the ratios cratewire ÷ each peer: one bar per (workload, peer), a whisker for the
 * quartile bracket, and a dashed line at parity. Right of the line, cratewire is faster.
 */
import type { BenchReport } from '../results.js';

const COLORS: Readonly<Record<string, string>> = {
  pg: '#336791',
  'postgres.js': '#e09f1f',
  'wire-floor': '#aaaaaa',
  'wire-floor-binary': '#cccccc',
  http: '#2a9d8f',
  'node-crate': '#8e44ad',
};

const WIDTH = 820;
const LABEL_X = 12;
const CHART_X0 = 250;
const CHART_X1 = 770;
const BAR_H = 16;
const BAR_GAP = 4;
const GROUP_HEADER = 20;
const GROUP_GAP = 10;
const TOP = 58;

function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The chart as an SVG document. */
export function renderSvg(report: BenchReport): string {
  const groups = report.workloads
    .map((w) => ({ w, ratios: report.ratios.filter((r) => r.workload === w.id) }))
    .filter((g) => g.ratios.length > 0);
  const maxValue = Math.max(2, ...report.ratios.map((r) => r.high));
  const scaleMax = Math.ceil(maxValue * 2) / 2;
  const x = (v: number): number => CHART_X0 + ((CHART_X1 - CHART_X0) * Math.min(v, scaleMax)) / scaleMax;

  const body: string[] = [];
  let y = TOP;
  for (const { w, ratios } of groups) {
    body.push(`<text x="${LABEL_X}" y="${y + 13}" class="group">${esc(`${w.id} · ${w.title}`)}</text>`);
    y += GROUP_HEADER;
    for (const r of ratios) {
      const color = COLORS[r.peer] ?? '#777';
      const barEnd = x(r.ratio);
      body.push(
        `<text x="${CHART_X0 - 8}" y="${y + 12}" class="peer" text-anchor="end">÷ ${esc(r.peer)}</text>`,
        `<rect x="${CHART_X0}" y="${y}" width="${(barEnd - CHART_X0).toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${esc(`${w.slug} ÷ ${r.peer}: ${r.ratio.toFixed(3)}× (quartile bracket ${r.low.toFixed(2)}–${r.high.toFixed(2)})`)}</title></rect>`,
        `<line x1="${x(r.low).toFixed(1)}" x2="${x(r.high).toFixed(1)}" y1="${y + BAR_H / 2}" y2="${y + BAR_H / 2}" class="whisker"/>`,
        // The value sits inside the bar's start, clear of the whisker, unless the bar is too short to hold it.
        barEnd - CHART_X0 >= 44
          ? `<text x="${CHART_X0 + 5}" y="${y + 12}" class="inside">${r.ratio.toFixed(2)}×</text>`
          : `<text x="${(Math.max(barEnd, x(r.high)) + 5).toFixed(1)}" y="${y + 12}" class="value">${r.ratio.toFixed(2)}×</text>`,
      );
      y += BAR_H + BAR_GAP;
    }
    y += GROUP_GAP;
  }
  const bottom = y;

  const grid: string[] = [];
  for (let v = 0; v <= scaleMax + 1e-9; v += 0.5) {
    const gx = x(v).toFixed(1);
    grid.push(`<line x1="${gx}" x2="${gx}" y1="${TOP - 6}" y2="${bottom}" class="${v === 1 ? 'parity' : 'grid'}"/>`);
    grid.push(`<text x="${gx}" y="${bottom + 16}" class="tick" text-anchor="middle">${v.toFixed(1)}×</text>`);
  }

  const height = bottom + 50;
  const m = report.meta;
  const title = `cratewire ÷ peer, median throughput (higher is better for cratewire)`;
  const subtitle = `${m.server} · Node ${m.node} · ${m.machine.cpu} × ${m.machine.cores} · scale ${m.scale} · ${m.rounds} rounds · ${m.date.slice(0, 10)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
  .title { font-size: 15px; font-weight: 600; fill: #222; }
  .subtitle { font-size: 11px; fill: #555; }
  .group { font-size: 12px; font-weight: 600; fill: #333; }
  .peer, .value { font-size: 11px; fill: #333; }
  .inside { font-size: 11px; font-weight: 600; fill: #fff; }
  .tick { font-size: 10px; fill: #666; }
  .grid { stroke: #e4e4e4; stroke-width: 1; }
  .parity { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 5 3; }
  .whisker { stroke: #222; stroke-width: 1.2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LABEL_X}" y="22" class="title">${esc(title)}</text>
<text x="${LABEL_X}" y="40" class="subtitle">${esc(subtitle)}</text>
${grid.join('\n')}
${body.join('\n')}
<text x="${LABEL_X}" y="${bottom + 36}" class="subtitle">${esc('Whiskers: cratewire quartiles ÷ peer quartiles (unfavourable–favourable pairing). Dashed line: parity.')}</text>
</svg>
`;
}
