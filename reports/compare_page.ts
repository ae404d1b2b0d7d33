/**
 * The page `algobench compare` writes: the verdicts in words, the table of speedups,
 * intervals and p-values, an interval chart (inline SVG, log scale) and every pair's
 * times. One self-contained file (inline style, nothing fetched), so it opens offline
 * wherever it is written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import Handlebars from 'handlebars';
import {
  formatInterval, formatP, formatSpeedup, type Comparison, type Speedup,
} from '../harness/report/comparison.ts';
import type { SideFacts } from '../harness/report/compare_sides.ts';
import type { PairTimes } from '../harness/scoring/sequential.ts';
import { closenessText, formatMsPerStep } from './views.ts';

export interface ComparePageInput {
  readonly comparison: Comparison;
  readonly pairs: Readonly<Record<string, readonly PairTimes[]>>;
  readonly stoppedBy: Readonly<Record<string, string>>;
  /** One sentence: ruleset, budget scale, seed, budget. */
  readonly settings: string;
  readonly method: string;
  readonly dbPath: string;
  readonly generatedAt: string;
  /** Relative link to a report site's index page beside the compare page, when there is one. */
  readonly siteIndex?: string;
  /** What each side ran and cost, per workload (versions, time per step, CPU time, closeness of misses). */
  readonly sides?: readonly SideFacts[];
  /** Price of one core-hour, to state the cost in money. */
  readonly pricePerCoreHour?: number;
}

const cpuText = (sec: number) => `${sec >= 100 ? sec.toFixed(0) : sec >= 10 ? sec.toFixed(1) : sec.toFixed(2)} s`;

/** The sides table's rows, in words. */
function sideRows(sides: readonly SideFacts[], price: number | undefined) {
  return sides.map((f) => {
    const coreHours = f.cpuSec / 3600;
    return {
      workload: f.workload,
      submission: f.submission,
      version: f.versions.join(', '),
      reached: `${f.reached}/${f.trials}`,
      perStep: f.msPerStep === null ? '—' : formatMsPerStep(f.msPerStep),
      cpu: `${cpuText(f.cpuSec)}${f.unmeasured > 0 ? ` (+${f.unmeasured} unmeasured)` : ''}`,
      coreHours: String(Number(coreHours.toPrecision(3))),
      money: price === undefined ? '' : (coreHours * price).toFixed(coreHours * price < 1 ? 4 : 2),
      energy: f.energyJoules === null ? 'unavailable' : `${(f.energyJoules / 1000).toFixed(1)} kJ`,
      closeness: f.best === undefined ? (f.reached > 0 ? 'reached' : '—') : closenessText({ best: f.best.value, target: f.best.target, metric: f.best.metric, direction: f.best.direction }),
      missed: f.best !== undefined,
    };
  });
}

const template = Handlebars.create().compile(readFileSync(new URL('./templates/compare.hbs', import.meta.url), 'utf8'), { strict: false });

export function renderComparePage(input: ComparePageInput): string {
  const { comparison: c } = input;
  const seconds = (t: number) => (t === Infinity ? 'missed' : t.toFixed(2));
  // Names in the table's headers may break after an underscore (adam_<wbr>clip_<wbr>avg), so the table fits.
  const head = (name: string) => new Handlebars.SafeString(escape(name).replace(/_/g, '_<wbr>'));
  return template({
    a: c.a,
    b: c.b,
    aHead: head(c.a),
    bHead: head(c.b),
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
      anyMissed: w.aMissed + w.bMissed > 0,
      rows: (input.pairs[w.workload] ?? []).slice(0, w.pairs).map((p, i) => ({
        index: i + 1,
        aText: seconds(p.a),
        bText: seconds(p.b),
        aMiss: p.a === Infinity,
        bMiss: p.b === Infinity,
        faster: p.a === p.b ? 'tie' : p.b < p.a ? c.b : c.a,
      })),
    })),
    chart: intervalChart([...c.workloads.map((w) => ({ label: w.workload, s: w.speedup, misses: w })), { label: 'overall', s: c.overall.speedup }], c),
    method: input.method,
    siteIndex: input.siteIndex ?? '',
    sides: sideRows(input.sides ?? [], input.pricePerCoreHour),
    price: input.pricePerCoreHour === undefined ? '' : String(input.pricePerCoreHour),
    dbPath: input.dbPath,
    generatedAt: input.generatedAt,
  });
}

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** A row of the interval chart: a speedup and, for a workload, the misses behind it. */
interface ChartRow {
  readonly label: string;
  readonly s: Speedup;
  readonly misses?: { readonly pairs: number; readonly aMissed: number; readonly bMissed: number; readonly bothMissed: number };
}

/** The misses of one row in words: "adamw missed 2 of 3 pairs", both sides when both missed, '' when none. */
export function missText(m: ChartRow['misses'], names: { a: string; b: string }): string {
  if (m === undefined) return '';
  const side = (name: string, n: number) => (n === 0 ? [] : [`${name} missed ${n} of ${m.pairs} pair${m.pairs === 1 ? '' : 's'}`]);
  return [...side(names.a, m.aMissed), ...side(names.b, m.bMissed)].join('; ');
}

/**
 * One row per workload: the interval as a bar and the estimate as a dot on a log
 * axis, 1× marked, the figure and the misses in words at the right. An open end (a
 * bound that misses leave open) runs to the plot's edge and ends in an arrow. A median
 * that lands on a miss has no dot: a red ✕ in a circle near the edge of the side that
 * won (left: B missed, so A is faster; right: A missed), and the words at the right
 * say who missed how often, so a side that missed is never hidden.
 */
function intervalChart(rows: readonly ChartRow[], names: { a: string; b: string }): string {
  const finite = rows.flatMap(({ s }) => [s.estimate, s.lower, s.upper]).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.log(Math.min(0.8, ...finite)) - 0.05;
  const hi = Math.log(Math.max(1.25, ...finite)) + 0.05;
  const [left, width, rowHeight, right] = [150, 440, 30, 380];
  const x = (v: number) => left + (v <= 0 ? 0 : v === Infinity ? width : ((Math.log(v) - lo) / (hi - lo)) * width);
  const height = rows.length * rowHeight + 44;
  const total = left + width + right;
  const parts = [
    `<rect x="${left}" y="0" width="${width}" height="${height - 34}" fill="none" stroke="#e3e6eb"/>`,
    `<line x1="${x(1)}" x2="${x(1)}" y1="0" y2="${height - 34}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${x(1)}" y="${height - 20}" text-anchor="middle">1× (no difference)</text>`,
    `<text x="${left + 4}" y="${height - 4}">← ${escape(names.a)} faster</text>`,
    `<text x="${left + width - 4}" y="${height - 4}" text-anchor="end">${escape(names.b)} faster →</text>`,
  ];
  const arrow = (tipX: number, y: number, dir: 1 | -1, fill: string, cls: string) =>
    `<path class="${cls}" d="M${tipX},${y} L${tipX - dir * 9},${y - 6} L${tipX - dir * 9},${y + 6} Z" fill="${fill}"/>`;
  rows.forEach(({ label, s, misses }, i) => {
    const y = i * rowHeight + 18;
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escape(label)}</text>`);
    const lowerOpen = !(s.lower > 0 && Number.isFinite(s.lower));
    const upperOpen = !(s.upper > 0 && Number.isFinite(s.upper));
    parts.push(`<line x1="${x(s.lower)}" x2="${x(s.upper)}" y1="${y}" y2="${y}" stroke="#3a6ea5" stroke-width="3"/>`);
    if (lowerOpen) parts.push(arrow(left, y, -1, '#3a6ea5', 'open-end'));
    if (upperOpen) parts.push(arrow(left + width, y, 1, '#3a6ea5', 'open-end'));
    const missed = missText(misses, names);
    const figure = formatSpeedup(s.estimate) === 'unknown' ? 'speedup unknown' : `${formatSpeedup(s.estimate)} (${formatInterval(s)})`;
    if (Number.isFinite(s.estimate) && s.estimate > 0) {
      parts.push(`<circle cx="${x(s.estimate)}" cy="${y}" r="5" fill="#1d2330"><title>${escape(`${label}: ${figure}`)}</title></circle>`);
    } else if (misses !== undefined && (s.estimate === 0 || s.estimate === Infinity)) {
      // The median pair is a miss of one side: mark it at that side's edge, in red.
      const atRight = s.estimate === Infinity;
      const cx = atRight ? left + width - 16 : left + 16;
      parts.push(
        `<g class="missed-side"><circle cx="${cx}" cy="${y}" r="8" fill="#fff" stroke="#a33" stroke-width="2"/>` +
          `<path d="M${cx - 4},${y - 4} L${cx + 4},${y + 4} M${cx - 4},${y + 4} L${cx + 4},${y - 4}" stroke="#a33" stroke-width="2"/>` +
          `<title>${escape(`${label}: the median pair is a miss of ${atRight ? names.a : names.b}`)}</title></g>`,
      );
    }
    const words = [figure, missed].filter((t) => t !== '').join(' · ');
    parts.push(`<text x="${left + width + 18}" y="${y + 4}"${missed === '' ? '' : ' class="miss-label" fill="#a33"'}>${escape(words)}</text>`);
  });
  return `<svg role="img" aria-label="speedup intervals" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}">${parts.join('')}</svg>`;
}

/** A compare page found beside a report site: what the site's pages link to. */
export interface CompareLink {
  /** Relative to the site's folder. */
  readonly href: string;
  /** "B vs A". */
  readonly title: string;
  /** The overall verdict in words, as the compare page states it. */
  readonly verdict: string;
}

/** The page's own mark in its <title>: how a compare page is told from any other HTML file. */
const TITLE_MARK = ' · algobench compare</title>';

const unescape = (s: string) =>
  s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&').trim();

/** Reads one file as a compare page; undefined when it is not one (or cannot be read). */
function readCompareLink(file: string, siteDir: string): CompareLink | undefined {
  let html: string;
  try {
    html = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const title = /<title>([\s\S]*?) · algobench compare<\/title>/.exec(html)?.[1];
  if (title === undefined || !html.includes(TITLE_MARK)) return undefined;
  const verdict = /<p class="verdict[^"]*" id="overall-verdict">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
  return { href: relative(siteDir, file).split(sep).join('/'), title: unescape(title), verdict: unescape(verdict) };
}

/**
 * The compare pages a report site should link: `compare*.html` in the site's folder and
 * in its direct subfolders, and in `extraDirs` (where `compare` writes by default: the
 * store's folder), each recognised by its title, sorted by link. A report run after
 * `compare --out <the site's folder>` links the comparison from every page.
 */
export function findComparePages(siteDir: string, extraDirs: readonly string[] = []): CompareLink[] {
  const site = resolve(siteDir);
  const dirs = new Set<string>([site, ...extraDirs.map((d) => resolve(d))]);
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const name of list(site)) {
    const sub = join(site, name);
    if (!name.startsWith('.') && statSafe(sub)) dirs.add(sub);
  }
  const found = new Map<string, CompareLink>();
  for (const dir of dirs) {
    for (const name of list(dir)) {
      if (!/^compare.*\.html$/.test(name)) continue;
      const link = readCompareLink(join(dir, name), site);
      if (link !== undefined) found.set(link.href, link);
    }
  }
  return [...found.values()].sort((a, b) => a.href.localeCompare(b.href));
}

function statSafe(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The link from a compare page written at `page` to a report site's index beside it (or one folder up), if there is one. */
export function siteIndexNear(pageDir: string): string | undefined {
  if (existsSync(join(pageDir, 'index.html'))) return 'index.html';
  if (existsSync(join(pageDir, '..', 'index.html'))) return '../index.html';
  return undefined;
}
