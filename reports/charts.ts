/**
 * The report's charts: Vega-Lite specs compiled to Vega and rendered to SVG in Node
 * at report time, so the pages need no script and no network to show them. Every
 * chart gets its submission colours from one palette over all submissions, so a
 * submission has the same colour on every page.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ProfileStep } from '../harness/scoring/index.ts';

/** Tableau 10: distinguishable, and readable for the common colour-vision deficiencies. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3]];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#d6dbe0' },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', color: '#1d232b', subtitleColor: '#5b6673', subtitleFontSize: 11 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, titleColor: '#39424e', gridColor: '#eceff2' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, orient: 'right' },
} as const;

/** Colour (and dash) scales keyed by every submission of the report. */
export interface Palette {
  readonly domain: readonly string[];
}

/** Colours of the submissions present, taken from their place among all submissions. */
function colorScale(p: Palette, present: Iterable<string>) {
  const domain = subset(p, present);
  return { domain, range: domain.map((s) => PALETTE[p.domain.indexOf(s) % PALETTE.length] ?? '#4e79a7') };
}

function subset(p: Palette, present: Iterable<string>): string[] {
  const set = new Set(present);
  return p.domain.filter((s) => set.has(s));
}

/** Compiles and renders one chart; ids inside the SVG are prefixed so that charts on one page never share a clip path. */
export async function renderChart(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  // Loaded on first use: Vega and Vega-Lite take seconds to import, and every CLI
  // command but the report ones (and every bad-input exit) would pay for them.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vg = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return inlineSvg(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** Ready for inline HTML: no namespace URLs (HTML's parser adds them), unique ids. */
export function inlineSvg(svg: string, idPrefix: string): string {
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, `id="${idPrefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${idPrefix}-$1"`);
}

/** Pixels between neighbouring profile lines: enough to see two equal profiles, too little to misread a value. */
const PROFILE_OFFSET_PX = 3;

/**
 * ρ(τ) step lines, one per submission, for τ from 1 to maxTau. Equal profiles are
 * common (two submissions that solved the same workloads within the same ratios), and
 * one line would hide the other: each submission's line is drawn a few pixels above or
 * below its true place (a layer per submission with its own mark offset; the data are
 * unchanged), besides its own colour, dash and point markers.
 */
export function profileSpec(steps: Readonly<Record<string, readonly ProfileStep[]>>, maxTau: number, palette: Palette, workloads: number): TopLevelSpec {
  const present = subset(palette, Object.keys(steps));
  const encoding = {
    x: { field: 'tau', type: 'quantitative', scale: { domain: [1, maxTau], nice: false }, title: 'τ (time ÷ fastest time)' },
    y: { field: 'rho', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '.0%' }, title: 'ρ(τ): workloads within τ' },
    color: { field: 'submission', type: 'nominal', scale: colorScale(palette, present), title: 'submission', legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 300 } },
    strokeDash: {
      field: 'submission',
      type: 'nominal',
      scale: { domain: present, range: present.map((s) => DASHES[palette.domain.indexOf(s) % DASHES.length] ?? [1, 0]) },
      title: 'submission',
    },
  };
  const middle = (present.length - 1) / 2;
  return {
    title: {
      text: 'Performance profile',
      subtitle: [
        `share of the ${workloads} scored workload${workloads === 1 ? '' : 's'} each submission solved within τ× the fastest time`,
        present.length > 1 ? `lines drawn up to ${Math.ceil(middle) * PROFILE_OFFSET_PX} px apart so that equal profiles stay visible` : '',
      ].filter((x) => x !== ''),
    },
    width: 460,
    height: 260,
    layer: present.map((submission, i) => ({
      data: { values: (steps[submission] ?? []).map(([tau, rho]) => ({ submission, tau, rho })) },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5, yOffset: (middle - i) * PROFILE_OFFSET_PX, point: { filled: true, size: 36, yOffset: (middle - i) * PROFILE_OFFSET_PX } },
      encoding,
    })),
  } as TopLevelSpec;
}

export interface CurveInput {
  readonly points: ReadonlyArray<{ submission: string; trialId: number; study: number; trial: number; seconds: number; value: number }>;
  readonly target: number | undefined;
  /** Whether larger values are better (accuracy) or smaller (mse); decides which early evals the y range may leave out. @default 'max' */
  readonly direction?: 'max' | 'min';
  readonly metric: string;
  readonly title: string;
  readonly budget: number | undefined;
  /** Submissions on the board, for the legend (a submission with no evals still gets its entry). */
  readonly submissions: readonly string[];
}

/** Share of the evals, from the bad end, that the learning-curve y range may leave out (the first evals of a run). */
export const CURVE_CLIP_SHARE = 0.15;

/**
 * The y range of a learning-curve chart: the target and the evals that matter both in
 * view, not squeezed by the first evals. The worst CURVE_CLIP_SHARE of the values
 * (lowest for 'max' metrics, highest for 'min' ones: the first evals of each run) may
 * fall outside; the target and every other value are inside, with 5 % of the span as
 * margin. `clipped` counts the values left outside.
 */
export function curveDomain(values: readonly number[], target: number | undefined, direction: 'max' | 'min' = 'max'): { domain: [number, number]; clipped: number } | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const k = Math.floor(finite.length * CURVE_CLIP_SHARE);
  // Values in worst-first order: ascending for 'max' (low is bad), descending for 'min'.
  const kept = direction === 'max' ? finite.slice(k) : finite.slice(0, finite.length - k);
  const lo = Math.min(kept[0]!, target ?? Infinity);
  const hi = Math.max(kept[kept.length - 1]!, target ?? -Infinity);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.01 || 0.01;
  const domain: [number, number] = [lo - pad, hi + pad];
  return { domain, clipped: finite.filter((v) => v < domain[0] || v > domain[1]).length };
}

/**
 * Validation metric against submission time: one line per trial, coloured by submission,
 * dashed target. The y range is curveDomain's: the target and the later evals in view;
 * evals outside it (the first of each run) are cut at the edge, and the subtitle says so.
 */
export function learningCurveSpec(input: CurveInput, palette: Palette): TopLevelSpec {
  const values = input.points.map((p) => ({ ...p, label: `${p.submission} · study ${p.study} trial ${p.trial}` }));
  const range = curveDomain(values.map((v) => v.value), input.target, input.direction ?? 'max');
  const yScale = range === undefined ? { zero: false } : { domain: range.domain, nice: false, zero: false };
  // Up to the budget (the last eval may land a step past it), so boards of one budget line up.
  const xMax = Math.max(input.budget ?? 0, ...values.map((v) => v.seconds));
  const xDomain = xMax > 0 ? { domain: [0, xMax] } : {};
  const layers: unknown[] = [
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 1.6, opacity: 0.9, clip: true, point: values.length <= 600 ? { filled: true, size: 22 } : false },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', scale: xDomain, title: 'submission time (s)' },
        y: { field: 'value', type: 'quantitative', scale: yScale, title: `validation ${input.metric}` },
        color: { field: 'submission', type: 'nominal', scale: colorScale(palette, input.submissions), title: 'submission' },
        detail: { field: 'label', type: 'nominal' },
      },
    },
  ];
  if (input.target !== undefined) {
    const target = [{ target: input.target, text: `target ${input.target}` }];
    layers.push(
      { data: { values: target }, mark: { type: 'rule', strokeDash: [6, 4], color: '#1d232b', strokeWidth: 1.2 }, encoding: { y: { field: 'target', type: 'quantitative' } } },
      {
        data: { values: target },
        mark: { type: 'text', align: 'right', dx: -4, dy: -6, color: '#1d232b', fontSize: 11, x: 'width' },
        encoding: { y: { field: 'target', type: 'quantitative' }, text: { field: 'text' } },
      },
    );
  }
  const clipped = range?.clipped ?? 0;
  const subtitle = clipped === 0 ? [] : [`y range: the target and the later evals; ${clipped} early eval${clipped === 1 ? '' : 's'} ${(input.direction ?? 'max') === 'max' ? 'below' : 'above'} it cut off`];
  return { title: { text: input.title, ...(subtitle.length === 0 ? {} : { subtitle }) }, width: 380, height: 220, layer: layers } as TopLevelSpec;
}

export interface TimeInput {
  /**
   * One row per submission and column. A missed cell (`missed`) has no time: it is drawn
   * as a cross at the column's budget with `label` (what it missed by) beside it, so a
   * side that missed stays on the chart instead of dropping out of it.
   */
  readonly rows: ReadonlyArray<{ submission: string; column: string; seconds: number; lower: number; upper: number; open: boolean; budget: number; missed?: boolean; label?: string }>;
  readonly title: string;
}

/**
 * Time-to-target per submission with its bootstrap interval, one panel per workload
 * column; the budget is a dashed line, and a submission that missed (median over
 * studies past the budget) is a labelled cross on it.
 */
export function timesSpec(input: TimeInput, palette: Palette): TopLevelSpec {
  const present = new Set(input.rows.map((r) => r.submission));
  const submissions = present.size;
  const color = { field: 'submission', type: 'nominal', scale: colorScale(palette, present), legend: null };
  const x = { field: 'seconds', type: 'quantitative' };
  const y = { field: 'submission', type: 'nominal' };
  const values = input.rows.map((r) => ({ ...r, bar: r.open ? 'open' : 'closed', outcome: r.missed === true ? 'missed' : 'reached', label: r.label ?? '' }));
  return {
    title: {
      text: input.title,
      subtitle: [
        'dot: time-to-target; bar: 95% bootstrap interval (an open bar ends at the budget: missed in some resamples)',
        '✕ on the dashed budget line: missed the target (no time), with its best value and the gap to the target',
      ],
    },
    data: { values },
    facet: { row: { field: 'column', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12, labelFontWeight: 600 } } },
    spec: {
      width: 460,
      height: Math.max(40, submissions * 26),
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 3], color: '#a3302b', strokeWidth: 1 },
          encoding: { x: { aggregate: 'max', field: 'budget', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.outcome === 'reached' || datum.lower < datum.budget" }],
          mark: { type: 'rule', strokeWidth: 2.5 },
          encoding: {
            x: { field: 'lower', type: 'quantitative', title: 'time-to-target (s)', scale: { zero: true } },
            x2: { field: 'upper' },
            y: { field: 'submission', type: 'nominal', title: null },
            color,
            strokeDash: { field: 'bar', type: 'nominal', scale: { domain: ['closed', 'open'], range: [[1, 0], [4, 3]] }, legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 70, stroke: 'white', strokeWidth: 1 },
          encoding: {
            x,
            y,
            color,
            shape: { field: 'outcome', type: 'nominal', scale: { domain: ['reached', 'missed'], range: ['circle', 'cross'] }, legend: null },
            tooltip: [{ field: 'submission', type: 'nominal' }, { field: 'label', type: 'nominal' }],
          },
        },
        {
          transform: [{ filter: "datum.outcome === 'missed'" }],
          mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -6, dy: -5, fontSize: 10.5, color: '#a3302b' },
          encoding: { x, y, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

export interface SensitivityInput {
  readonly column: string;
  readonly hparam: string;
  /** One per scored trial; `best` is the best validation value the trial reached, where it had evals. */
  readonly points: ReadonlyArray<{ value: number; seconds: number; missed: boolean; label: string; best?: number }>;
  readonly budget: number;
  /** The column's validation target, for the chart of a column where every trial missed. */
  readonly target?: { readonly metric: string; readonly value: number; readonly direction: 'max' | 'min' };
}

/**
 * Time-to-target against one tuned hyperparameter, one point per scored trial: what a
 * method's robustness costs or buys. A miss sits at the budget line as a cross, so the
 * region of the search space that fails is as visible as the one that wins. Log x when
 * the points span a factor of 10 or more (learning rates, weight decays).
 *
 * Where every trial missed, times would be a row of crosses on the budget line and say
 * nothing: the chart plots each trial's best validation value instead, against the
 * dashed target, and its title and axis say so.
 */
export function sensitivitySpec(input: SensitivityInput): TopLevelSpec {
  const xs = input.points.map((p) => p.value);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  const log = min > 0 && max / min >= 10;
  const x = { field: 'value', type: 'quantitative', scale: log ? { type: 'log' } : { zero: false }, title: input.hparam, axis: { format: log ? '.0e' : '~g', labelOverlap: true } };
  const target = input.target;
  const allMissed = input.points.length > 0 && input.points.every((p) => p.missed && p.best !== undefined);
  if (allMissed && target !== undefined) {
    const values = input.points.map((p) => ({ ...p, label: `${p.label}, best ${target.metric} ${Number(p.best!.toPrecision(4))}` }));
    const bests = values.map((p) => p.best!);
    // The target and every best in view, with a little room around them.
    const lo = Math.min(target.value, ...bests);
    const hi = Math.max(target.value, ...bests);
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.01 || 0.01;
    return {
      title: {
        text: `${input.column} · ${input.hparam}`,
        subtitle: [`every trial missed: ✕ = best validation ${target.metric} reached`, `dashed: the target ${target.direction === 'max' ? '≥' : '≤'} ${target.value}`],
      },
      width: 220,
      height: 150,
      layer: [
        {
          data: { values: [{ target: target.value }] },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#1d232b', strokeWidth: 1 },
          encoding: { y: { field: 'target', type: 'quantitative' } },
        },
        {
          data: { values },
          mark: { type: 'point', shape: 'cross', filled: true, size: 60, color: '#a3302b', opacity: 0.9 },
          encoding: {
            x,
            y: { field: 'best', type: 'quantitative', scale: { domain: [lo - pad, hi + pad], nice: false, zero: false }, title: `best validation ${target.metric} (missed)` },
            tooltip: [{ field: 'label', type: 'nominal' }],
          },
        },
      ],
    } as TopLevelSpec;
  }
  return {
    title: { text: `${input.column} · ${input.hparam}`, subtitle: 'dot: reached (time-to-target); ✕ at the budget: missed' },
    width: 220,
    height: 150,
    layer: [
      {
        data: { values: [{ budget: input.budget }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#a3302b', strokeWidth: 1 },
        encoding: { y: { field: 'budget', type: 'quantitative' } },
      },
      {
        data: { values: input.points.map((p) => ({ ...p, outcome: p.missed ? 'missed' : 'reached' })) },
        mark: { type: 'point', filled: true, size: 48, opacity: 0.85 },
        encoding: {
          x,
          y: { field: 'seconds', type: 'quantitative', scale: { zero: true }, title: 'time-to-target (s)' },
          shape: { field: 'outcome', type: 'nominal', scale: { domain: ['reached', 'missed'], range: ['circle', 'cross'] }, legend: null },
          color: { field: 'outcome', type: 'nominal', scale: { domain: ['reached', 'missed'], range: ['#2f5d8a', '#a3302b'] }, legend: null },
          tooltip: [{ field: 'label', type: 'nominal' }],
        },
      },
    ],
  } as TopLevelSpec;
}
