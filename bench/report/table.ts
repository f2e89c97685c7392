/** The results as rows of text cells, rendered for the terminal (padded) or Markdown (pipes). */
import type { BenchReport, DriverResult, Ratio, WorkloadResult } from '../results.js';
import { formatRate } from '../stats.js';

export const RESULT_HEADER = ['#', 'workload', 'driver', 'median', 'min – max', 'IQR', 'client CPU/unit', 'peak RSS', 'cratewire ÷ driver', 'note'] as const;

const STATUS_TEXT: Readonly<Record<DriverResult['status'], string>> = {
  ok: '',
  unavailable: 'not available',
  'needs-cratedb': 'needs CrateDB',
  failed: 'failed',
  'wrong-result': 'WRONG RESULT',
};

function unitLabel(w: WorkloadResult): string {
  return w.unit === 'queries' ? 'queries/s' : 'rows/s';
}

function ratioText(r: Ratio | undefined): string {
  return r === undefined ? '' : `${r.ratio.toFixed(2)}× (${r.low.toFixed(2)}–${r.high.toFixed(2)})`;
}

/** One row per (workload, driver). */
export function resultRows(report: BenchReport): string[][] {
  const rows: string[][] = [];
  for (const w of report.workloads) {
    w.drivers.forEach((d, i) => {
      const first = i === 0;
      const head = [first ? w.id : '', first ? `${w.slug} (${unitLabel(w)})` : '', d.driver];
      const base = d.baselineRssMB === undefined ? '' : ` (base ${Math.round(d.baselineRssMB)})`;
      const rss = d.peakRssMB === undefined ? '' : `${d.peakRssMB} MB${base}`;
      if (d.status !== 'ok' || d.summary === undefined) {
        const reason = d.reason === undefined || d.reason === STATUS_TEXT[d.status] ? '' : `: ${d.reason}`;
        rows.push([...head, '—', '', '', '', rss, '', `${STATUS_TEXT[d.status]}${reason}`]);
        return;
      }
      const s = d.summary;
      const ratio = d.driver === 'cratewire' ? '' : ratioText(report.ratios.find((r) => r.workload === w.id && r.peer === d.driver));
      const cpu = d.cpuMedianUs === undefined ? '' : `${d.cpuMedianUs.toPrecision(3)} µs`;
      rows.push([...head, formatRate(s.median), `${formatRate(s.min)} – ${formatRate(s.max)}`, `${formatRate(s.q1)} – ${formatRate(s.q3)}`, cpu, rss, ratio, '']);
    });
  }
  return rows;
}

/** Pads columns to their widest cell. */
export function renderPadded(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table; `|` in cells is escaped. */
export function renderMarkdown(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replaceAll('|', '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** Workload × peer matrix of median ratios. */
export function ratioMatrix(report: BenchReport): { header: string[]; rows: string[][] } {
  const peers = [...new Set(report.ratios.map((r) => r.peer))];
  const header = ['#', 'workload', ...peers.map((p) => `÷ ${p}`)];
  const rows = report.workloads
    .filter((w) => report.ratios.some((r) => r.workload === w.id))
    .map((w) => [w.id, w.slug, ...peers.map((p) => ratioText(report.ratios.find((r) => r.workload === w.id && r.peer === p)))]);
  return { header, rows };
}

/** Targets with ✔/✘/–. */
export function targetRows(report: BenchReport): string[][] {
  return report.targets.map((t) => [t.workload, t.description, t.required, t.actual, t.met === null ? '–' : t.met ? '✔ met' : '✘ missed']);
}

export const TARGET_HEADER = ['#', 'target', 'required', 'this run', 'verdict'] as const;
