/**
 * Writes the static report site: index (leaderboards), one page per base workload,
 * one per submission, the stylesheet and the trial/eval exports. Plain HTML with
 * inline SVG charts and a local stylesheet: nothing is fetched at view time, so the
 * site opens offline from the file system. Templates are the handlebars files beside
 * this module; views.ts shapes the data for them.
 *
 * Everything is rendered in memory first, then written to a temporary folder inside
 * the output folder and renamed into place (index.html last), so a failure never
 * leaves a half-written page behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { type Leaderboard, workloadColumn } from '../harness/report/leaderboard.ts';
import { exportFiles, parseObject } from '../harness/report/exports.ts';
import type { BoardCurves, SiteData } from '../harness/report/site.ts';
import type { CompareLink } from './compare_page.ts';
import { learningCurveSpec, profileSpec, renderChart, type SensitivityInput, sensitivitySpec, timesSpec, type Palette } from './charts.ts';
import { formatSeconds } from './format.ts';
import { boardHeading, cellView, closenessText, type ClosenessLookup, columnsView, costView, formatMsPerStep, hardwarePanel, PageNames, robustnessView, rowView, trialView, VERSION_MEANING } from './views.ts';

export { formatSeconds } from './format.ts';

const TEMPLATES = new URL('./templates/', import.meta.url);

function loadTemplates() {
  const hb = Handlebars.create();
  for (const name of ['board_heading', 'time_cell', 'hardware']) {
    hb.registerPartial(name, readFileSync(new URL(`partials/${name}.hbs`, TEMPLATES), 'utf8'));
  }
  const compile = (name: string) => hb.compile(readFileSync(new URL(name, TEMPLATES), 'utf8'), { strict: false });
  return { layout: compile('layout.hbs'), index: compile('index.hbs'), workload: compile('workload.hbs'), submission: compile('submission.hbs') };
}

/** Numbered ids for the charts of one site, so no two SVGs share a clip-path id. */
class ChartIds {
  private n = 0;
  next(): string {
    return `chart${++this.n}`;
  }
}

function headingView(board: Leaderboard, columns?: readonly string[]) {
  return boardHeading(board, columns);
}

/**
 * The best validation value each submission reached on each column of a board, over
 * the evals of its scored trials, against the column's target: what a missed cell
 * shows of how close it came.
 */
function closenessOf(site: SiteData, board: Leaderboard): ClosenessLookup {
  const curves = site.curves[board.id];
  const best = new Map<string, number>();
  for (const p of curves?.points ?? []) {
    const key = `${p.submission}\u0000${p.column}`;
    const prev = best.get(key);
    const max = curves?.targets[p.column]?.direction !== 'min';
    if (prev === undefined || (max ? p.value > prev : p.value < prev)) best.set(key, p.value);
  }
  return (submission, column) => {
    const target = curves?.targets[column];
    const value = best.get(`${submission}\u0000${column}`);
    return target === undefined || value === undefined ? undefined : { best: value, target: target.value, metric: target.metric, direction: target.direction };
  };
}

/** Presentation choices of a report that are not in the store. */
export interface RenderOptions {
  /** Price of one core-hour, to state what results cost in money. */
  readonly pricePerCoreHour?: number;
  /** A sentence shown at the top of the index page, e.g. what kind of run made these results. */
  readonly note?: string;
  /** Compare pages (algobench compare) beside the site: linked from every page's header and listed on the index. */
  readonly comparisons?: readonly CompareLink[];
}

async function indexBody(site: SiteData, names: PageNames, palette: Palette, ids: ChartIds, t: ReturnType<typeof loadTemplates>, options: RenderOptions) {
  const boards = [];
  for (const board of site.boards) {
    const steps = Object.fromEntries(board.rows.map((r) => [r.submission, board.report.submissions[r.submission]?.rho ?? []]));
    boards.push({
      heading: headingView(board),
      columns: columnsView(board, names),
      rows: board.rows.map((row, i) => rowView(board, row, i + 1, names, closenessOf(site, board))),
      profileNote: board.rows.every((r) => r.score === 0)
        ? 'No submission reached a target within 4× of the fastest on this board, so every profile is 0 for all τ.'
        : '',
      profileSvg: await renderChart(profileSpec(steps, board.report.maxTau, palette, board.scored.length), ids.next()),
      hardware: hardwarePanel(board),
      cost: costView(board, names, options.pricePerCoreHour),
    });
  }
  const first = site.boards[0];
  return t.index({
    boards,
    scoredList: [...new Set(site.boards.flatMap((b) => b.scored))].join(', '),
    requireVariants: site.boards.some((b) => b.requireVariants),
    confidence: first === undefined ? '95%' : `${Math.round(first.confidence * 100)}%`,
    resamples: first?.resamples ?? 1000,
    seed: first?.bootstrapSeed ?? 0,
    empty: site.boards.length === 0,
    anyMixed: site.boards.some((b) => b.mixedHardware),
    toc: site.boards.length > 1 ? site.boards.map((b) => ({ id: b.id, title: boardHeading(b).title })) : [],
    price: options.pricePerCoreHour === undefined ? '' : String(options.pricePerCoreHour),
    note: options.note ?? '',
    comparisons: options.comparisons ?? [],
  });
}

async function workloadBody(site: SiteData, workload: string, names: PageNames, palette: Palette, ids: ChartIds, t: ReturnType<typeof loadTemplates>) {
  const mine = (c: string) => c === workload || c.startsWith(`${workload}:`);
  const desc = site.descriptions[workload];
  const allColumns = [...new Set(site.boards.flatMap((b) => b.columns.filter(mine)))];
  const variants = allColumns.map((column) => {
    const variant = column.includes(':') ? column.slice(workload.length + 1) : 'base';
    const targets = site.boards.map((b) => site.curves[b.id]?.targets[column]).filter((x) => x !== undefined);
    const budgets = [...new Set(site.boards.map((b) => b.budgets[column]).filter((x) => x !== undefined))].sort((a, b) => b - a);
    const target = targets[0];
    return {
      column,
      description: desc?.variants[variant] ?? variant,
      target: target === undefined ? '—' : `${target.metric} ${target.direction === 'max' ? '≥' : '≤'} ${target.value}`,
      budgets: budgets.map((b) => formatSeconds(b)).join(', '),
    };
  });
  const boards = [];
  for (const board of site.boards.filter((b) => b.columns.some(mine))) {
    const columns = board.columns.filter(mine);
    const curves = site.curves[board.id];
    const closeness = closenessOf(site, board);
    const timeRows = board.rows.flatMap((row) =>
      columns.flatMap((column) => {
        const cell = row.cells[column];
        if (cell === undefined) return [];
        if (cell.seconds === null) {
          // A miss stays on the chart: a cross at the budget, labelled with how close it came.
          const budget = board.budgets[column];
          if (budget === undefined) return [];
          const lower = cell.ci?.[0] ?? budget;
          const close = closenessText(closeness(row.submission, column));
          return [{ submission: row.submission, column, seconds: budget, lower, upper: budget, open: true, budget, missed: true, label: close === '' ? 'missed' : `missed: ${close}` }];
        }
        const budget = board.budgets[column] ?? cell.seconds;
        const lower = cell.ci?.[0] ?? cell.seconds;
        const upper = cell.ci?.[1] ?? null;
        return [{ submission: row.submission, column, seconds: cell.seconds, lower, upper: upper ?? Math.max(budget, cell.seconds), open: upper === null, budget }];
      }),
    );
    const curveSvgs = [];
    for (const column of columns) {
      const target = curves?.targets[column];
      const spec = learningCurveSpec(
        {
          points: (curves?.points ?? []).filter((p) => p.column === column),
          target: target?.value,
          direction: target?.direction ?? 'max',
          metric: target?.metric ?? 'metric',
          title: column,
          budget: board.budgets[column],
          submissions: board.rows.map((r) => r.submission),
        },
        palette,
      );
      curveSvgs.push({ column, svg: await renderChart(spec, ids.next()) });
    }
    const metric = curves?.targets[columns[0] ?? '']?.metric ?? 'metric';
    boards.push({
      heading: headingView(board, columns),
      columns: columns.map((c) => {
        const target = curves?.targets[c];
        return { name: c, variant: c.includes(':'), target: target === undefined ? '—' : String(target.value), budget: formatSeconds(board.budgets[c] ?? null) };
      }),
      rows: board.rows.map((row) => ({
        submission: row.submission,
        href: names.get('submission', row.submission),
        isReference: row.submission === board.reference,
        cells: columns.map((c) => ({ variant: c.includes(':'), ...cellView(row.cells[c], row.submission === board.reference, board.reference, closeness(row.submission, c)) })),
      })),
      timesSvg: timeRows.length > 0 ? await renderChart(timesSpec({ rows: timeRows, title: 'Time-to-target with bootstrap intervals' }, palette), ids.next()) : '',
      robustness: robustnessView(board, workload, names),
      metric,
      curves: curveSvgs,
    });
  }
  return t.workload({ name: workload, description: desc?.description ?? '', variants, boards });
}

/** Columns of a submission page's trials table (hyperparameters share one wrapped cell), for an error row's colspan. */
const TRIALS_COLUMNS = 11;

async function submissionBody(site: SiteData, submission: string, names: PageNames, ids: ChartIds, t: ReturnType<typeof loadTemplates>) {
  const summary = [];
  const boards = [];
  for (const board of site.boards) {
    const rank = board.rows.findIndex((r) => r.submission === submission);
    const row = board.rows[rank];
    if (row === undefined) continue;
    const view = rowView(board, row, rank + 1, names);
    const attempts = board.attempts.filter((a) => a.submission === submission);
    const scoredIds = new Set(board.trials.map((x) => x.id));
    const statuses = new Map<string, number>();
    for (const a of attempts) if (scoredIds.has(a.id)) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    summary.push({
      id: board.id,
      title: boardHeading(board).title,
      mixedHardware: board.mixedHardware,
      rank: `${rank + 1} of ${board.rows.length}`,
      score: view.score,
      scoreCI: view.scoreCI,
      speedup: view.speedup,
      speedupNote: view.speedupNote,
      robustness: view.robustness,
      version: view.version,
      verdict: view.pooledTest,
      perStep: board.columns
        .filter((c) => row.cells[c]?.msPerStep != null)
        .map((c) => ({ column: c, text: formatMsPerStep(row.cells[c]?.msPerStep ?? null) })),
      trials: attempts.filter((a) => scoredIds.has(a.id)).length,
      statuses: [...statuses].map(([name, count]) => ({ name, text: name.replace(/_/g, ' '), count })),
    });
    const hparamNames = [...new Set(attempts.flatMap((a) => Object.keys(parseObject(a.hparams_json))))].sort();
    const ordered = [...attempts].sort((a, b) => a.workload.localeCompare(b.workload) || a.variant.localeCompare(b.variant) || a.study - b.study || a.trial - b.trial || a.id - b.id);
    const trials = ordered.map((a) => ({ ...trialView(a, scoredIds.has(a.id), hparamNames), workloadHref: names.get('workload', a.workload) }));
    const sensitivity = [];
    for (const input of sensitivityInputs(board, submission, site.curves[board.id])) sensitivity.push(await renderChart(sensitivitySpec(input), ids.next()));
    boards.push({ heading: headingView(board), hparamNames, trials, colspan: TRIALS_COLUMNS, errors: trials.filter((x) => x.error !== ''), sensitivity });
  }
  return t.submission({ name: submission, summary, boards, versionMeaning: VERSION_MEANING });
}

/**
 * One sensitivity chart per workload column and numeric hyperparameter that varied
 * across the submission's scored trials on the board (a fixed value says nothing).
 */
function sensitivityInputs(board: Leaderboard, submission: string, curves: BoardCurves | undefined): SensitivityInput[] {
  const out: SensitivityInput[] = [];
  // The best validation value of each trial, for a column where every trial missed.
  const best = new Map<number, number>();
  for (const p of curves?.points ?? []) {
    const prev = best.get(p.trialId);
    const max = curves?.targets[p.column]?.direction !== 'min';
    if (prev === undefined || (max ? p.value > prev : p.value < prev)) best.set(p.trialId, p.value);
  }
  for (const column of board.columns) {
    const target = curves?.targets[column];
    const mine = board.trials.filter((x) => x.submission === submission && workloadColumn(x) === column);
    if (mine.length < 2) continue;
    const parsed = mine.map((x) => ({ trial: x, hparams: parseObject(x.hparams_json) }));
    const names = [...new Set(parsed.flatMap((p) => Object.keys(p.hparams)))].sort();
    for (const hparam of names) {
      const points = parsed.flatMap(({ trial, hparams }) => {
        const value = hparams[hparam];
        if (typeof value !== 'number' || !Number.isFinite(value)) return [];
        const reached = trial.status === 'reached' && trial.time_to_target_sec !== null;
        const b = best.get(trial.id);
        return [{ value, seconds: reached ? (trial.time_to_target_sec ?? 0) : trial.budget_sec, missed: !reached, label: `study ${trial.study} trial ${trial.trial}: ${trial.status}`, ...(b === undefined ? {} : { best: b }) }];
      });
      if (new Set(points.map((p) => p.value)).size < 2) continue;
      out.push({ column, hparam, points, budget: board.budgets[column] ?? Math.max(...points.map((p) => p.seconds)), ...(target === undefined ? {} : { target: { metric: target.metric, value: target.value, direction: target.direction } }) });
    }
  }
  return out;
}

/** Renders every file of the site into memory: file name → content. */
export async function renderSite(site: SiteData, options: RenderOptions = {}): Promise<Record<string, string>> {
  const t = loadTemplates();
  const names = new PageNames();
  const palette: Palette = { domain: site.submissions };
  const ids = new ChartIds();
  const anyMixed = site.boards.some((b) => b.mixedHardware);
  const nav = (current: string) => ({
    workloads: site.workloads.map((w) => ({ name: w, href: names.get('workload', w), current: current === names.get('workload', w) })),
    submissions: site.submissions.map((s) => ({ name: s, href: names.get('submission', s), current: current === names.get('submission', s) })),
    comparisons: (options.comparisons ?? []).map((c) => ({ name: c.title, href: c.href })),
  });
  const page = (file: string, title: string, body: string) =>
    t.layout({ title, body, nav: nav(file), isIndex: file === 'index.html', mixedHardware: anyMixed, generatedAt: site.generatedAt, dbPath: site.dbPath });

  const files: Record<string, string> = {};
  for (const w of site.workloads) {
    const file = names.get('workload', w);
    files[file] = page(file, `Workload ${w}`, await workloadBody(site, w, names, palette, ids, t));
  }
  for (const s of site.submissions) {
    const file = names.get('submission', s);
    files[file] = page(file, `Submission ${s}`, await submissionBody(site, s, names, ids, t));
  }
  files['style.css'] = readFileSync(new URL('style.css', TEMPLATES), 'utf8');
  Object.assign(files, exportFiles(site.exports));
  // Last, so that writing it last makes the entry point appear only once the rest exists.
  files['index.html'] = page('index.html', 'Leaderboard', await indexBody(site, names, palette, ids, t, options));
  return files;
}

const GENERATED_PAGE = /^(workload|submission)-.+\.html$/;

/**
 * Writes rendered files into `outDir` (created if needed) and returns the absolute
 * path of index.html. Pages of an earlier report that this one no longer has
 * (a workload or submission that is gone) are removed; nothing else is touched.
 */
export function writeSite(files: Readonly<Record<string, string>>, outDir: string): string {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.algobench-report-'));
  try {
    const order = Object.keys(files).sort((a, b) => Number(a === 'index.html') - Number(b === 'index.html'));
    for (const name of order) writeFileSync(join(tmp, name), files[name] ?? '');
    for (const name of order) renameSync(join(tmp, name), join(dir, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const name of readdirSync(dir)) {
    if (GENERATED_PAGE.test(name) && !(name in files)) unlinkSync(join(dir, name));
  }
  return join(dir, 'index.html');
}

/** Renders and writes the site of `site` into `outDir`; returns the index path. */
export async function renderReport(site: SiteData, outDir: string, options: RenderOptions = {}): Promise<string> {
  return writeSite(await renderSite(site, options), outDir);
}
