/**
 * View models: the leaderboard data turned into the strings and flags the templates
 * print. No HTML here (handlebars escapes every value), and no charts (render.ts).
 */
import type { Leaderboard, LeaderboardCell, LeaderboardRow } from '../harness/report/leaderboard.ts';
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

export function boardHeading(board: Leaderboard) {
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
    studies: board.studies,
    trials: board.trials.length,
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

export function cellView(cell: LeaderboardCell | undefined, isReference: boolean) {
  if (cell === undefined) return { ran: false, text: '—', title: 'not run' };
  const statuses = Object.entries(cell.statuses).map(([s, n]) => `${s}: ${n}`).join(', ');
  const t = cell.vsReference;
  return {
    ran: true,
    text: formatSeconds(cell.seconds),
    missed: cell.seconds === null,
    best: cell.best,
    ci: formatTimeInterval(cell.ci),
    reached: `${cell.reached}/${cell.trials} trials reached`,
    voided: cell.voidedBy !== undefined,
    voidedText: cell.voidedBy === undefined ? '' : `measured ${formatSeconds(cell.rawSeconds)}; voided: ${cell.voidedBy.join(', ')} not reached`,
    faster: t?.faster ?? false,
    test: t === undefined ? (isReference ? 'reference' : '') : `vs reference: ${t.wins} faster, ${t.losses} slower, ${t.ties} tied of ${t.n} paired trials, one-sided ${formatP(t.pValue)}`,
    pText: t === undefined ? '' : formatP(t.pValue),
    title: `${cell.reached}/${cell.trials} trials reached the target (${statuses})${cell.noisy > 0 ? `; ${cell.noisy} flagged noisy` : ''}`,
    noisy: cell.noisy > 0 ? `${cell.noisy} noisy` : '',
  };
}

export function rowView(board: Leaderboard, row: LeaderboardRow, rank: number, names: PageNames) {
  const isReference = row.submission === board.reference;
  const t = row.vsReference;
  return {
    rank,
    submission: row.submission,
    version: row.version,
    href: names.get('submission', row.submission),
    isReference,
    score: formatScore(row.score),
    scoreCI: formatScoreInterval(row.scoreCI),
    speedup: isReference ? '1.00× (reference)' : formatSpeedup(row.speedup.geomean),
    speedupTitle: Object.entries(row.speedup.perWorkload).map(([w, x]) => `${w}: ${formatSpeedup(x)}`).join(', '),
    faster: t?.faster ?? false,
    pooledTest: t === undefined ? '' : `${t.wins}/${t.n} paired trials faster, ${formatP(t.pValue)}`,
    cells: board.columns.map((c) => ({ column: c, variant: c.includes(':'), ...cellView(row.cells[c], isReference) })),
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
    time: t.status === 'reached' ? formatSeconds(t.time_to_target_sec) : '—',
    steps: t.steps ?? '—',
    used: t.submission_time_sec === null ? '—' : `${formatSeconds(t.submission_time_sec)} / ${formatSeconds(t.budget_sec)}`,
    hparams: hparamNames.map((k) => (k in hparams ? formatHparam(hparams[k]) : '')),
    error: t.error ?? '',
    noisy: t.noisy === 1 ? noiseText(t.noise_json) : '',
    version: t.submission_hash === '' ? 'unversioned' : t.submission_hash.slice(0, 7),
    scored,
  };
}

/** Why a trial was flagged noisy, from its stored noise record. */
function noiseText(json: string | null): string {
  const reasons = (parseObject(json ?? '{}') as { reasons?: unknown }).reasons;
  return Array.isArray(reasons) ? reasons.join('; ') : 'noisy';
}
