/**
 * View models: the leaderboard data turned into the strings and flags the templates
 * print. No HTML here (handlebars escapes every value), and no charts (render.ts).
 */
import { SIGNIFICANCE, type ReferenceTest } from '../harness/report/compare.ts';
import { scoringStudy, submissionVersion, workloadColumn, type Leaderboard, type LeaderboardCell, type LeaderboardRow } from '../harness/report/leaderboard.ts';
import type { BaseVoid } from '../harness/scoring/index.ts';
import { submissionCost } from '../harness/report/cost.ts';
import { parseObject } from '../harness/report/exports.ts';
import type { TrialRow } from '../harness/store/rows.ts';
import {
  formatHparam,
  formatP,
  formatScore,
  formatScoreInterval,
  formatSeconds,
  formatSpeedup,
  formatTimeInterval,
  gib,
  rulesetName,
} from './format.ts';

/** File names of the pages, unique even when two names differ only in odd characters. */
export class PageNames {
  private readonly used = new Set<string>(['index.html']);
  private readonly byKey = new Map<string, string>();

  get(kind: 'workload' | 'submission', name: string): string {
    const key = `${kind}\u0000${name}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const stem = `${kind}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    let file = `${stem}.html`;
    for (let i = 2; this.used.has(file); i++) file = `${stem}-${i}.html`;
    this.used.add(file);
    this.byKey.set(key, file);
    return file;
  }
}

export function boardHeading(board: Leaderboard, columns?: readonly string[]) {
  const counts = boardCounts(board, columns);
  const hw = board.mixedHardware ? `mixed hardware (${board.hardwareRows.length} fingerprints)` : `hardware ${board.hardware.fingerprint}`;
  return {
    id: board.id,
    title: `${rulesetName(board.ruleset)} · ${hw}${board.budgetScale === 1 ? '' : ` · budgets × ${board.budgetScale}`}`,
    mixedHardware: board.mixedHardware,
    fingerprints: board.hardwareRows.map((h) => h.fingerprint).join(', '),
    scaled: board.budgetScale === 1 ? '' : `Smoke run: every budget × ${board.budgetScale}. Not a leaderboard result.`,
    reference: board.reference,
    referenceNote:
      board.referenceRequested === undefined ? '' : `"${board.referenceRequested}" did not run on this board; the reference here is ${board.reference}.`,
    requireVariants: board.requireVariants,
    studiesText: counts.studiesText,
    trials: counts.trials,
    confidence: `${Math.round(board.confidence * 100)}%`,
    resamples: board.resamples,
    seed: board.bootstrapSeed,
  };
}

export function hardwarePanel(board: Leaderboard) {
  return board.hardwareRows.map((h) => ({
    fingerprint: h.fingerprint,
    items: [
      ['CPU', `${h.cpu_model} × ${h.cpu_cores} cores`],
      ['Memory', gib(h.memory_bytes)],
      ['GPU', h.gpu],
      ['OS', h.os],
      ['Node.js', h.node_version],
      ['TensorFlow.js', h.tfjs_version],
      ['Backend', `${h.backend} ${h.backend_version}`],
      ['First seen', h.first_seen.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
    ].map(([label, value]) => ({ label, value })),
  }));
}

/**
 * A sign test against the reference in words: the verdict first (faster, slower, or
 * no significant difference at the report's level), then the test, the pairs and the
 * ties, so that a reader never has to judge a bare p-value.
 */
export function verdictText(t: ReferenceTest | undefined, reference: string, scope: string): string {
  if (t === undefined) return '';
  if (t.n === 0) return `no trials paired with ${reference} ${scope}, so no test`;
  const level = `${SIGNIFICANCE}`;
  const counts = `${t.wins} of ${t.n} pairs faster, ${t.losses} slower, ${t.ties} tied`;
  if (t.faster) return `faster than ${reference} ${scope} (one-sided paired sign test, ${formatP(t.pValue)} < ${level}; ${counts})`;
  if (t.slower) return `slower than ${reference} ${scope} (one-sided paired sign test, ${formatP(t.pSlower)} < ${level}; ${counts})`;
  return `no significant difference from ${reference} ${scope} at ${level} (paired sign test, faster ${formatP(t.pValue)}, slower ${formatP(t.pSlower)}; ${counts})`;
}

/** Short verdict for a table cell: "faster", "slower" or "n.s.", with the deciding p. */
function shortVerdict(t: ReferenceTest): { word: string; cls: string; p: string } {
  if (t.faster) return { word: 'faster', cls: 'faster', p: formatP(t.pValue) };
  if (t.slower) return { word: 'slower', cls: 'slower', p: formatP(t.pSlower) };
  return { word: 'no sig. difference', cls: 'ns', p: formatP(Math.min(t.pValue, t.pSlower)) };
}

/** How close a missed cell came: its best validation value and the gap to the target. */
export interface Closeness {
  readonly best: number;
  readonly target: number;
  readonly metric: string;
  readonly direction: 'max' | 'min';
}

export function closenessText(c: Closeness | undefined): string {
  if (c === undefined) return '';
  const gap = c.direction === 'max' ? c.target - c.best : c.best - c.target;
  // Some trial met the target, but not in enough studies for the median over studies to count.
  if (gap <= 0) return `best ${c.metric} ${formatMetric(c.best)} met the target ${formatMetric(c.target)} in some trials, not in the median study`;
  const rel = c.target === 0 ? '' : ` (${((100 * gap) / Math.abs(c.target)).toFixed(1)} %)`;
  return `best ${c.metric} ${formatMetric(c.best)}, ${formatMetric(gap)}${rel} short of ${formatMetric(c.target)}`;
}

function formatMetric(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

export function formatMsPerStep(ms: number | null): string {
  if (ms === null) return '';
  const perSec = 1000 / ms;
  const rate = perSec >= 100 ? perSec.toFixed(0) : perSec >= 10 ? perSec.toFixed(1) : perSec.toFixed(2);
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms/step · ${rate} steps/s`;
}

/**
 * Studies and scored trials of a board, or of the columns of one workload on it: a
 * workload page counts only its own trials, and studies are counted per column
 * (boards may run workloads with different numbers of studies), as the score counts
 * them (scoringStudy: a base seed's study, or under self-tuning each run).
 */
export function boardCounts(board: Leaderboard, columns?: readonly string[]): { studiesText: string; trials: number } {
  const mine = columns === undefined ? board.trials : board.trials.filter((t) => columns.includes(workloadColumn(t)));
  const perColumn = new Map<string, Set<string>>();
  for (const t of mine) {
    const c = workloadColumn(t);
    (perColumn.get(c) ?? perColumn.set(c, new Set()).get(c)!).add(scoringStudy(t));
  }
  const sizes = [...perColumn.values()].map((s) => s.size);
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const studiesText =
    sizes.length === 0 ? '0 studies' : lo === hi ? `${lo} ${lo === 1 ? 'study' : 'studies'}${perColumn.size > 1 ? ' per workload' : ''}` : `${lo}–${hi} studies per workload`;
  return { studiesText, trials: mine.length };
}

export function cellView(cell: LeaderboardCell | undefined, isReference: boolean, reference = '', closeness?: Closeness) {
  if (cell === undefined) return { ran: false, text: '—', title: 'not run' };
  const statuses = Object.entries(cell.statuses).map(([s, n]) => `${s}: ${n}`).join(', ');
  const t = cell.vsReference;
  const short = t === undefined || t.n === 0 ? undefined : shortVerdict(t);
  return {
    ran: true,
    text: formatSeconds(cell.seconds),
    missed: cell.seconds === null,
    closeness: cell.seconds === null ? closenessText(closeness) : '',
    msPerStep: formatMsPerStep(cell.msPerStep),
    verdict: short?.word ?? '',
    verdictClass: short?.cls ?? '',
    verdictP: short?.p ?? '',
    best: cell.best,
    ci: formatTimeInterval(cell.ci),
    reached: `${cell.reached}/${cell.trials} trials reached`,
    voided: cell.voidedBy !== undefined,
    voidedText: cell.voidReason === undefined ? '' : `measured ${formatSeconds(cell.rawSeconds)}; voided: ${voidWords(cell.voidReason)}`,
    faster: t?.faster ?? false,
    test: t === undefined ? (isReference ? 'reference' : '') : verdictText(t, reference || 'the reference', 'on this workload'),
    pText: t === undefined ? '' : formatP(t.pValue),
    title: `${cell.reached}/${cell.trials} trials reached the target (${statuses})${cell.noisy > 0 ? `; ${cell.noisy} flagged noisy` : ''}`,
    noisy: cell.noisy > 0 ? `${cell.noisy} noisy` : '',
  };
}

/** Why the variant rule voided a base time, in words: each failed variant, then the time's own 4× cut. */
export function voidWords(why: BaseVoid): string {
  const variants = why.variants.map((v) =>
    v.why === 'over 4×' ? `${v.column} over 4× the fastest time on it (${formatSeconds(v.fastest)})` : `${v.column} ${v.why === 'missed' ? 'not reached' : 'not run'}`,
  );
  const own = why.overFastest === undefined ? [] : [`over 4× the fastest time measured on this workload before voiding (${formatSeconds(why.overFastest)})`];
  return [...variants, ...own].join('; ');
}

/** Closeness of a missed cell, by submission and column (site.ts computes it from the evals). */
export type ClosenessLookup = (submission: string, column: string) => Closeness | undefined;

export function rowView(board: Leaderboard, row: LeaderboardRow, rank: number, names: PageNames, closeness: ClosenessLookup = () => undefined) {
  const isReference = row.submission === board.reference;
  const t = row.vsReference;
  const speedup = speedupView(board, row);
  return {
    rank,
    submission: row.submission,
    version: row.version,
    versionTitle: VERSION_MEANING,
    href: names.get('submission', row.submission),
    isReference,
    score: formatScore(row.score),
    scoreCI: formatScoreInterval(row.scoreCI),
    speedup: speedup.text,
    speedupNote: speedup.note,
    speedupTitle: Object.entries(row.speedup.perWorkload).map(([w, x]) => `${w}: ${formatSpeedup(x)}`).join(', '),
    faster: t?.faster ?? false,
    pooledTest: verdictText(t, board.reference, `pooled over the ${board.scored.length} scored workload${board.scored.length === 1 ? '' : 's'}`),
    cells: board.columns.map((c) => ({ column: c, variant: c.includes(':'), ...cellView(row.cells[c], isReference, board.reference, closeness(row.submission, c)) })),
    robustness: row.robustnessSummary.total === 0 ? 'no variants run' : `${row.robustnessSummary.reached}/${row.robustnessSummary.total}`,
    robust: row.robustnessSummary.total > 0 && row.robustnessSummary.reached === row.robustnessSummary.total,
  };
}

export function columnsView(board: Leaderboard, names: PageNames) {
  return board.columns.map((c) => {
    const base = c.split(':')[0] ?? c;
    return { name: c, base, variant: c.includes(':'), href: names.get('workload', base), budget: formatSeconds(board.budgets[c] ?? null) };
  });
}

/** One base workload's robustness matrix on a board: submissions × (base and its variants). */
export function robustnessView(board: Leaderboard, workload: string, names: PageNames) {
  const columns = board.columns.filter((c) => c === workload || c.startsWith(`${workload}:`));
  return {
    columns,
    rows: board.rows.map((row) => {
      const rob = row.robustness[workload];
      return {
        submission: row.submission,
        href: names.get('submission', row.submission),
        cells: columns.map((c) => {
          const cell = row.cells[c];
          if (cell === undefined) return { mark: '—', text: 'not run', cls: 'notrun' };
          const t = cell.rawSeconds;
          return t === null ? { mark: '✗', text: 'missed', cls: 'no' } : { mark: '✓', text: formatSeconds(t), cls: 'yes' };
        }),
        all: rob === undefined || rob.total === 0 ? '—' : `${rob.reached}/${rob.total}`,
        allReached: rob !== undefined && rob.total > 0 && rob.all,
      };
    }),
  };
}

export function trialView(t: TrialRow, scored: boolean, hparamNames: readonly string[]) {
  const hparams = parseObject(t.hparams_json);
  return {
    id: t.id,
    column: t.variant === 'base' ? t.workload : `${t.workload}:${t.variant}`,
    study: t.study,
    trial: t.trial,
    seed: t.seed,
    baseSeed: t.base_seed,
    status: t.status,
    /** Between words, so that a long status wraps in a narrow window ("budget exhausted"). */
    statusText: t.status.replace(/_/g, ' '),
    time: t.status === 'reached' ? formatSeconds(t.time_to_target_sec) : '—',
    steps: t.steps ?? '—',
    // Non-breaking inside each time, so that a narrow cell breaks only at the slash.
    used: t.submission_time_sec === null ? '—' : `${formatSeconds(t.submission_time_sec)} / ${formatSeconds(t.budget_sec)}`.replace(/ s\b/g, '\u00a0s'),
    hparams: hparamNames.filter((k) => k in hparams).map((name) => ({ name, value: formatHparam(hparams[name]) })),
    error: t.error ?? '',
    noisy: t.noisy === 1 ? noiseText(t.noise_json) : '',
    version: submissionVersion(t),
    versionParts: versionParts(t),
    scored,
  };
}

/**
 * What "version" means, said once for every page: the leaderboard, the submission's
 * summary and its trials table all show submissionVersion(), never a raw hash.
 */
export const VERSION_MEANING =
  "a hash of the submission's module code and its search space, the same value wherever the report shows a version";

/**
 * The parts of a trial's version and its wider code key, for a tooltip: the module hash
 * is trials.csv's submission_hash; the code key also covers the workload, its targets
 * and budget, so it differs per workload for one version.
 */
export function versionParts(t: Pick<TrialRow, 'submission_hash' | 'search_space_hash' | 'code_key'>): string {
  if (t.submission_hash === '') return 'recorded without code hashes';
  const space = t.search_space_hash === null ? 'no search space' : `search space ${t.search_space_hash.slice(0, 7)}`;
  return `module ${t.submission_hash.slice(0, 7)} + ${space}; trial code key ${t.code_key} (also covers the workload, its targets and budget)`;
}

/**
 * A geometric-mean speedup with the direction its misses bend it. A miss counts as
 * the budget + 1 s, a time the missing run would have needed at least: where only the
 * submission missed, the true speedup is at most the figure ("≤"); where only the
 * reference missed, at least ("≥"); where both missed a workload, or misses fall on
 * both sides, the figure bounds nothing and says so.
 */
export function speedupView(board: Leaderboard, row: LeaderboardRow): { text: string; note: string } {
  if (row.submission === board.reference) return { text: '1.00× (reference)', note: '' };
  const ref = board.rows.find((r) => r.submission === board.reference);
  const missed = (r: LeaderboardRow | undefined, w: string) => (r?.cells[w]?.seconds ?? null) === null;
  const mine = board.scored.filter((w) => missed(row, w));
  const theirs = board.scored.filter((w) => missed(ref, w));
  const figure = formatSpeedup(row.speedup.geomean);
  const what = mine.length === board.scored.length ? 'reached no target' : `missed ${mine.join(', ')}`;
  if (mine.length > 0 && theirs.length > 0) {
    // A figure here would read as a speedup; it is none, so it stays in the note.
    return { text: 'no bound', note: `${row.submission} ${what} and ${board.reference} missed ${theirs.join(', ')}: with each miss counted as its budget + 1 s the figure (${figure}) bounds nothing` };
  }
  if (mine.length > 0) return { text: `≤ ${figure}`, note: `upper bound: ${what}` };
  if (theirs.length > 0) return { text: `≥ ${figure}`, note: `lower bound: ${board.reference} missed ${theirs.join(', ')}` };
  return { text: figure, note: '' };
}

/** Why a trial was flagged noisy, from its stored noise record. */
function noiseText(json: string | null): string {
  const reasons = (parseObject(json ?? '{}') as { reasons?: unknown }).reasons;
  return Array.isArray(reasons) ? reasons.join('; ') : 'noisy';
}

/** The cost table of a board: CPU time over every attempt, per reached target, money at the given price, energy. */
export function costView(board: Leaderboard, names: PageNames, pricePerCoreHour?: number) {
  const rows = board.rows.map((row) => {
    const c = submissionCost(
      row.submission,
      board.attempts.filter((a) => a.submission === row.submission),
      board.trials.filter((x) => x.submission === row.submission),
      pricePerCoreHour,
    );
    return {
      submission: row.submission,
      href: names.get('submission', row.submission),
      attempts: `${c.measured + c.unmeasured}${c.unmeasured > 0 ? ` (${c.unmeasured} without a CPU record)` : ''}`,
      cpu: `${formatNumber(c.cpuSec)} s`,
      coreHours: String(Number(c.coreHours.toPrecision(3))),
      perReached: c.cpuSecPerReached === null ? 'nothing reached' : `${formatNumber(c.cpuSecPerReached)} s`,
      reached: c.reached,
      money: c.money === null ? '' : c.money.toFixed(c.money < 1 ? 4 : 2),
      energy: c.energyJoules === null ? 'unavailable' : `${formatNumber(c.energyJoules / 1000)} kJ`,
    };
  });
  return { rows, energyNote: rows.some((r) => r.energy === 'unavailable') };
}

function formatNumber(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
