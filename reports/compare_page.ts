/**
 * The page `algobench compare` writes: the verdicts in words, the table of speedups,
 * intervals and p-values, an interval chart (inline SVG, log scale) and every pair's
 * times. One self-contained file (inline style, nothing fetched), so it opens offline
 * wherever it is written.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import {
  formatInterval, formatP, formatSpeedup, type Comparison, type Speedup,
} from '../harness/report/comparison.ts';
import type { PairTimes } from '../harness/scoring/sequential.ts';

export interface ComparePageInput {
  readonly comparison: Comparison;
  readonly pairs: Readonly<Record<string, readonly PairTimes[]>>;
  readonly stoppedBy: Readonly<Record<string, string>>;
  /** One sentence: ruleset, budget scale, seed, budget. */
  readonly settings: string;
  readonly method: string;
  readonly dbPath: string;
  readonly generatedAt: string;
}

const template = Handlebars.create().compile(readFileSync(new URL('./templates/compare.hbs', import.meta.url), 'utf8'), { strict: false });

export function renderComparePage(input: ComparePageInput): string {
  const { comparison: c } = input;
  const seconds = (t: number) => (t === Infinity ? 'missed' : t.toFixed(2));
  return template({
    a: c.a,
    b: c.b,
    settings: input.settings,
    overall: c.overall.verdict,
    overallDecided: c.overall.decided !== undefined,
    overallSpeedup: formatSpeedup(c.overall.speedup.estimate),
    overallInterval: formatInterval(c.overall.speedup),
    overallP: formatP(c.overall.pValue),
    workloads: c.workloads.map((w) => ({
      ...w,
      decided: w.decided !== undefined,
      speedup: formatSpeedup(w.speedup.estimate),
      interval: formatInterval(w.speedup),
      p: formatP(w.pValue),
      stoppedBy: (input.stoppedBy[w.workload] ?? '').replace('_', ' '),
      rows: (input.pairs[w.workload] ?? []).slice(0, w.pairs).map((p, i) => ({
        index: i + 1,
        aText: seconds(p.a),
        bText: seconds(p.b),
        aMiss: p.a === Infinity,
        bMiss: p.b === Infinity,
        faster: p.a === p.b ? 'tie' : p.b < p.a ? c.b : c.a,
      })),
    })),
    chart: intervalChart(c.workloads.map((w) => ({ label: w.workload, s: w.speedup })).concat([{ label: 'overall', s: c.overall.speedup }])),
    method: input.method,
    dbPath: input.dbPath,
    generatedAt: input.generatedAt,
  });
}

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/**
 * One row per workload: the interval as a bar and the estimate as a dot on a log
 * axis, 1× marked. Unbounded ends run to the edge with an arrow-like cap.
 */
function intervalChart(rows: ReadonlyArray<{ label: string; s: Speedup }>): string {
  const finite = rows.flatMap(({ s }) => [s.estimate, s.lower, s.upper]).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.log(Math.min(0.8, ...finite)) - 0.05;
  const hi = Math.log(Math.max(1.25, ...finite)) + 0.05;
  const [left, width, rowHeight] = [170, 520, 26];
  const x = (v: number) => left + (v <= 0 ? 0 : v === Infinity ? width : ((Math.log(v) - lo) / (hi - lo)) * width);
  const height = rows.length * rowHeight + 30;
  const parts = [`<line x1="${x(1)}" x2="${x(1)}" y1="0" y2="${height - 20}" stroke="#999" stroke-dasharray="4 3"/>`, `<text x="${x(1)}" y="${height - 6}" text-anchor="middle">1× (no difference)</text>`];
  rows.forEach(({ label, s }, i) => {
    const y = i * rowHeight + 16;
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escape(label)}</text>`);
    parts.push(`<line x1="${x(s.lower)}" x2="${x(s.upper)}" y1="${y}" y2="${y}" stroke="#3a6ea5" stroke-width="3"/>`);
    if (Number.isFinite(s.estimate) && s.estimate > 0) parts.push(`<circle cx="${x(s.estimate)}" cy="${y}" r="5" fill="#1d2330"><title>${escape(`${label}: ${formatSpeedup(s.estimate)} (${formatInterval(s)})`)}</title></circle>`);
  });
  return `<svg role="img" aria-label="speedup intervals" width="${left + width + 20}" height="${height}" viewBox="0 0 ${left + width + 20} ${height}">${parts.join('')}</svg>`;
}
