/**
 * Stored trials as a learning-curve corpus for the budget saver (saver/corpus.ts):
 * the latest finished attempt of each external-tuning trial that trained until its
 * target, its budget or a divergence, with its validation curve. Trials run with the
 * saver are left out (their curves were cut short by the very rule being evaluated).
 */
import type { CorpusFile, CurveTrial } from '../saver/corpus.ts';
import { CURVE_STATUSES } from '../saver/corpus.ts';
import type { TrialRow } from '../store/rows.ts';
import type { Store } from '../store/store.ts';
import { ranWithBudgetSaver } from './leaderboard.ts';

/** The corpus of a store, one file per workload (base workloads and variants alike), by workload column name. */
export function corpusFromStore(store: Store): Map<string, CorpusFile> {
  const hardware = new Map(store.hardware().map((h) => [h.id, h.fingerprint]));
  const latest = new Map<string, TrialRow>();
  for (const t of store.trials({ finishedOnly: true })) {
    if (t.ruleset !== 'external' || ranWithBudgetSaver(t) || !CURVE_STATUSES.includes(t.status)) continue;
    const key = [t.hardware_id, t.workload, t.variant, t.submission, t.budget_scale, t.base_seed, t.study, t.trial, t.code_key].join('\u0000');
    const prev = latest.get(key);
    if (prev === undefined || prev.id < t.id) latest.set(key, t);
  }
  const byWorkload = new Map<string, { trials: CurveTrial[]; fingerprints: Set<string> }>();
  for (const t of [...latest.values()].sort((a, b) => a.id - b.id)) {
    const evals = store
      .evals(t.id)
      .map((e) => [e.step, round(e.submission_time_sec), JSON.parse(e.validation_json)[t.metric] as number] as const)
      .filter(([, , v]) => typeof v === 'number');
    const column = t.variant === 'base' ? t.workload : `${t.workload}:${t.variant}`;
    const entry = byWorkload.get(column) ?? byWorkload.set(column, { trials: [], fingerprints: new Set() }).get(column)!;
    entry.fingerprints.add(hardware.get(t.hardware_id) ?? '?');
    entry.trials.push({
      workload: t.workload, variant: t.variant, submission: t.submission, study: t.study, trial: t.trial, seed: t.seed,
      hparams: JSON.parse(t.hparams_json), budgetSec: t.budget_sec, metric: t.metric, direction: t.metric_direction,
      target: t.target_validation, status: t.status, timeToTargetSec: t.time_to_target_sec,
      submissionTimeSec: round(t.submission_time_sec ?? 0), evals,
    });
  }
  const out = new Map<string, CorpusFile>();
  for (const [column, { trials, fingerprints }] of [...byWorkload].sort(([a], [b]) => a.localeCompare(b))) {
    out.set(column, { format: 'algobench-learning-curves/1', source: { workload: column, hardware: [...fingerprints].join(', '), trials: trials.length }, trials });
  }
  return out;
}

/** Milliseconds are finer than anything the saver or its replay resolves. */
const round = (sec: number): number => Math.round(sec * 1000) / 1000;
