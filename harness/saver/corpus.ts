/**
 * A corpus of stored learning curves: what the budget saver is calibrated and
 * evaluated on (replay.ts). One JSON file per workload (test/fixtures/learning_curves/),
 * written by `algobench saver-replay --db FILE --save-corpus DIR` from a results store.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlgobenchError, setting } from '../core/errors.ts';
import type { Hparams } from '../spec.ts';

/** One stored trial: its place, its goal, how it ended and its validation curve. */
export interface CurveTrial {
  readonly workload: string;
  readonly variant: string;
  readonly submission: string;
  readonly study: number;
  readonly trial: number;
  readonly seed: number;
  readonly hparams: Hparams;
  readonly budgetSec: number;
  readonly metric: string;
  readonly direction: 'max' | 'min';
  readonly target: number;
  /** reached, budget_exhausted or diverged. */
  readonly status: string;
  readonly timeToTargetSec: number | null;
  /** Submission seconds the trial spent without the saver. */
  readonly submissionTimeSec: number;
  /** Evals in step order: [step, submission seconds, validation metric]. */
  readonly evals: ReadonlyArray<readonly [number, number, number]>;
}

export interface CorpusFile {
  readonly format: 'algobench-learning-curves/1';
  /** Where the curves come from (store, hardware, command), for the reader. */
  readonly source: Readonly<Record<string, string | number>>;
  readonly trials: readonly CurveTrial[];
}

/** The statuses whose curves the corpus keeps: trials that trained until the target, the budget or a divergence. */
export const CURVE_STATUSES: readonly string[] = ['reached', 'budget_exhausted', 'diverged'];

/** Every trial of the corpus files (*.json) in `dir`, files in name order. */
export function readCorpus(dir: string): CurveTrial[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new AlgobenchError('E_USAGE', `cannot read the learning-curve corpus ${dir}: ${(err as Error).message}; pass a folder of corpus .json files`);
  }
  if (names.length === 0) throw new AlgobenchError('E_USAGE', `${dir} holds no corpus .json files; write one with ${setting('saveCorpus')} or pass another folder`);
  return names.flatMap((n) => parseCorpus(readFileSync(join(dir, n), 'utf8'), join(dir, n)).trials);
}

export function parseCorpus(text: string, source: string): CorpusFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AlgobenchError('E_USAGE', `${source} is not JSON (${(err as Error).message}); regenerate it with ${setting('saveCorpus')}`);
  }
  const file = json as Partial<CorpusFile>;
  if (file.format !== 'algobench-learning-curves/1' || !Array.isArray(file.trials)) {
    throw new AlgobenchError('E_USAGE', `${source} is not a learning-curve corpus (no format "algobench-learning-curves/1" with a trials list); regenerate it with ${setting('saveCorpus')}`);
  }
  for (const [i, t] of file.trials.entries()) {
    const bad = !(t.budgetSec > 0) || (t.direction !== 'max' && t.direction !== 'min') || !Number.isFinite(t.target) || !Array.isArray(t.evals) || !(t.submissionTimeSec >= 0);
    if (bad) throw new AlgobenchError('E_USAGE', `${source}: trial ${i} lacks a budget, direction, target, submission time or eval list; regenerate it with ${setting('saveCorpus')}`);
  }
  return file as CorpusFile;
}
