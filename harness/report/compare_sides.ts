/**
 * What each side of a comparison ran and what it cost, per workload: the version that
 * produced its trials, time per step and steps per second, CPU time (core-hours,
 * energy where measured) over its attempts, and, where it missed, the best validation
 * value it reached against the target. The compare page shows it beside the verdicts,
 * so that "is B faster, how sure, what did it cost, which code" is answered on one page.
 */
import type { TrialRow } from '../store/rows.ts';
import type { Store } from '../store/store.ts';
import { submissionCost } from './cost.ts';
import { medianMsPerStep, submissionVersion } from './leaderboard.ts';

export interface SideFacts {
  readonly workload: string;
  readonly submission: string;
  /** Versions of the trials (one, unless the code changed between resumed pairs). */
  readonly versions: readonly string[];
  readonly trials: number;
  readonly reached: number;
  readonly msPerStep: number | null;
  readonly cpuSec: number;
  /** Attempts without a CPU record (their time is not in cpuSec). */
  readonly unmeasured: number;
  readonly energyJoules: number | null;
  /** The best validation value over the side's trials and the target, when no trial reached it. */
  readonly best?: { readonly value: number; readonly target: number; readonly metric: string; readonly direction: 'max' | 'min' };
}

/** Which stored trials belong to a comparison: its sides, workloads, ruleset, seed, and the studies it paired. */
export interface SideSelection {
  readonly submissions: readonly [string, string];
  /** Workload column → pairs (studies) the comparison used. */
  readonly pairs: Readonly<Record<string, number>>;
  readonly trialsPerSide: number;
  readonly ruleset: string;
  readonly budgetScale: number;
  readonly seed: number;
}

const columnOf = (t: Pick<TrialRow, 'workload' | 'variant'>) => (t.variant === 'base' ? t.workload : `${t.workload}:${t.variant}`);

/**
 * The facts of each side on each workload from finished trials (the latest attempt of
 * each study and trial index counts; earlier attempts still count as cost) and a
 * lookup of each trial's best validation value.
 */
export function sideFacts(trials: readonly TrialRow[], bestOf: (trialId: number) => number | undefined, sel: SideSelection): SideFacts[] {
  const mine = trials.filter(
    (t) =>
      sel.submissions.includes(t.submission) && t.ruleset === sel.ruleset && t.budget_scale === sel.budgetScale && t.base_seed === sel.seed &&
      t.study < (sel.pairs[columnOf(t)] ?? 0) && t.trial < sel.trialsPerSide && t.status !== 'running' && t.status !== 'stale',
  );
  const out: SideFacts[] = [];
  for (const workload of Object.keys(sel.pairs)) {
    for (const submission of sel.submissions) {
      const attempts = mine.filter((t) => t.submission === submission && columnOf(t) === workload);
      const latest = new Map<string, TrialRow>();
      for (const t of attempts) {
        const key = `${t.study}\u0000${t.trial}`;
        if ((latest.get(key)?.id ?? -1) < t.id) latest.set(key, t);
      }
      const scored = [...latest.values()];
      if (scored.length === 0) continue;
      const cost = submissionCost(submission, attempts, scored);
      const first = scored[0]!;
      const max = first.metric_direction !== 'min';
      const bests = scored.map((t) => bestOf(t.id)).filter((v): v is number => v !== undefined);
      const best = bests.length === 0 ? undefined : max ? Math.max(...bests) : Math.min(...bests);
      out.push({
        workload,
        submission,
        versions: [...new Set(scored.map(submissionVersion))],
        trials: scored.length,
        reached: cost.reached,
        msPerStep: medianMsPerStep(scored),
        cpuSec: cost.cpuSec,
        unmeasured: cost.unmeasured,
        energyJoules: cost.energyJoules,
        ...(cost.reached > 0 || best === undefined ? {} : { best: { value: best, target: first.target_validation, metric: first.metric, direction: first.metric_direction } }),
      });
    }
  }
  return out;
}

/** sideFacts over a store's trials and their evals. */
export function sideFactsFromStore(store: Store, sel: SideSelection): SideFacts[] {
  const trials = store.trials({ finishedOnly: true });
  const byId = new Map(trials.map((t) => [t.id, t]));
  return sideFacts(trials, (id) => {
    const t = byId.get(id);
    if (t === undefined) return undefined;
    const values = store
      .evals(id)
      .map((e) => (JSON.parse(e.validation_json) as Record<string, unknown>)[t.metric])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) return undefined;
    return t.metric_direction === 'min' ? Math.min(...values) : Math.max(...values);
  }, sel);
}
