/**
 * A trial's code key (part of its key in the store: a finished trial with the same key is
 * skipped on resume) covers what the harness derives for it — its seed, its drawn
 * hyperparameters, its budget — and only the variant's own targets and the space as drawn
 * from: a change to any of the first is a different trial; a bump of the targets file's
 * version for another workload, or a search space rewritten with other whitespace or key
 * order, is the same trial.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan, trialCodeKey, type BenchmarkOptions } from '../../harness/benchmark/plan.ts';
import { resolveModulePath, searchSpaceOf } from '../../harness/submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { cleanupDirs, tempDir } from '../store/_fixtures.ts';

afterAll(cleanupDirs);

type Options = Pick<BenchmarkOptions, 'ruleset' | 'studies' | 'trials' | 'seed' | 'budgetScale' | 'selfTuningBudgetScale'>;
const EXTERNAL: Options = { ruleset: 'external', studies: 2, trials: 2, seed: 5, budgetScale: 1 };
const SELF: Options = { ruleset: 'self', studies: 2, trials: 1, seed: 5, budgetScale: 1 };
const ADAMW = resolveModulePath('adamw');

function keys(options: Options, targets = getTargets('mnist_mlp', 'base'), spaceFile?: string): string[] {
  const searchSpace = searchSpaceOf(ADAMW, spaceFile);
  const ref = { name: 'adamw', modulePath: ADAMW, ...(searchSpace === undefined ? {} : { searchSpace }) };
  return expandPlan([{ workload: getWorkload('mnist_mlp'), targets }], [ref], options).map((p) => p.code.codeKey);
}

describe("a trial's code key", () => {
  it('differs between trials that differ only in the seed the harness derives (self-tuning: no draws, one budget)', () => {
    const [study0, study1] = keys(SELF);
    expect(study0).not.toBe(study1);
  });

  it('differs with the budget the trial is granted: another self-tuning budget scale is another trial', () => {
    expect(keys({ ...SELF, selfTuningBudgetScale: 3 })).not.toEqual(keys({ ...SELF, selfTuningBudgetScale: 1.5 }));
    expect(keys(SELF)).toEqual(keys({ ...SELF, selfTuningBudgetScale: 1.5 })); // the default is 1.5
  });

  it('is a function of the derived seed, hyperparameters and budget, and the plan keys each trial by its own', () => {
    const code = { submissionHash: 'a', searchSpaceHash: 'b', workloadHash: 'c', targetsHash: 'd' };
    const derived = { seed: 7, hparams: { lr: 0.1 }, budgetSec: 10 };
    const key = trialCodeKey(code, derived);
    expect(trialCodeKey(code, { ...derived, hparams: { lr: 0.1 } })).toBe(key);
    for (const other of [{ ...derived, hparams: { lr: 0.2 } }, { ...derived, seed: 8 }, { ...derived, budgetSec: 15 }, { ...derived, budgetSaver: { probability: 0.05 } }]) {
      expect(trialCodeKey(code, other)).not.toBe(key);
    }
    // Wiring: every planned trial's key is the key of its own seed, draw and budget.
    const searchSpace = searchSpaceOf(ADAMW);
    const ref = { name: 'adamw', modulePath: ADAMW, ...(searchSpace === undefined ? {} : { searchSpace }) };
    for (const p of expandPlan([{ workload: getWorkload('mnist_mlp'), targets: getTargets('mnist_mlp', 'base') }], [ref], EXTERNAL)) {
      const { codeKey, algobenchVersion: _v, ...hashes } = p.code;
      expect(codeKey).toBe(trialCodeKey(hashes, { seed: p.seed, hparams: p.hparams, budgetSec: p.budgetSec }));
    }
  });

  it('differs with the drawn hyperparameters, and not with the targets file version alone', () => {
    const base = keys(EXTERNAL);
    expect(new Set(base).size).toBe(4);
    const targets = getTargets('mnist_mlp', 'base');
    expect(keys(EXTERNAL, { ...targets, version: targets.version + 1 })).toEqual(base);
    expect(keys(EXTERNAL, { ...targets, validation: targets.validation + 0.001 })).not.toEqual(base);
  });

  it('is the same for a search space rewritten with other whitespace and key order, not for another space', () => {
    const dir = tempDir('algobench-space-');
    const space = JSON.parse(readFileSync(join(dirname(ADAMW), 'search_space.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const reordered = Object.fromEntries(Object.entries(space).reverse().map(([k, v]) => [k, Object.fromEntries(Object.entries(v).reverse())]));
    writeFileSync(join(dir, 'same.json'), JSON.stringify(reordered, null, 7));
    writeFileSync(join(dir, 'same_min.json'), JSON.stringify(space));
    expect(keys(EXTERNAL, undefined, join(dir, 'same.json'))).toEqual(keys(EXTERNAL));
    expect(keys(EXTERNAL, undefined, join(dir, 'same_min.json'))).toEqual(keys(EXTERNAL));
    const lr = Object.keys(space)[0]!;
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...space, [lr]: { ...space[lr], max: 0.5 } }));
    expect(keys(EXTERNAL, undefined, join(dir, 'other.json'))).not.toEqual(keys(EXTERNAL));
  });
});
