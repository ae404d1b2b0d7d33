/**
 * harness/benchmark/plan_bounds.ts on its own: each bound of a run, its edges, and the message
 * (one line naming the flag, the value, the range and the fix). The planned-trial
 * ceiling is computed from counts, so a grid of 10^10 is refused without a trial
 * object being built.
 */
import { describe, expect, it } from 'vitest';
import { AlgobenchError } from '../../harness/core/errors.ts';
import {
  checkPlannedTrials, checkRunBounds, MAX_BUDGET_SCALE, MAX_PLANNED_TRIALS, MAX_SEED, MAX_STUDIES, MAX_TRIALS, type RunBoundsInput,
} from '../../harness/benchmark/plan_bounds.ts';
import { flagOf } from '../../harness/cli/flags.ts';
import { decimalText, integerText } from '../../harness/cli/parsers.ts';

const ok: RunBoundsInput = { studies: 5, trials: 5, seed: 0, budgetScale: 1, selfTuningBudgetScale: 1.5, workloadCount: 6, submissionCount: 3 };

/** The E_USAGE AlgobenchError a failing check throws. */
function thrown(f: () => unknown): AlgobenchError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AlgobenchError);
    expect((err as AlgobenchError).code).toBe('E_USAGE');
    return err as AlgobenchError;
  }
  throw new Error('expected the check to throw');
}

/** The one line the CLI prints for a failing check: its settings worded as flags. */
function failure(f: () => unknown): string {
  const line = thrown(f).wordedWith(flagOf);
  expect(line).not.toContain('\n');
  return line;
}

describe('checkRunBounds', () => {
  it('accepts AlgoPerf-sized runs and the edges of every bound', () => {
    expect(() => checkRunBounds(ok)).not.toThrow();
    expect(() => checkRunBounds({ ...ok, budgetScale: undefined, selfTuningBudgetScale: undefined })).not.toThrow();
    expect(() => checkRunBounds({ ...ok, budgetScale: MAX_BUDGET_SCALE, selfTuningBudgetScale: 3, seed: MAX_SEED })).not.toThrow();
    expect(() => checkRunBounds({ ...ok, studies: MAX_STUDIES, trials: 100, workloadCount: 1, submissionCount: 1 })).not.toThrow();
    expect(() => checkRunBounds({ ...ok, studies: 10, trials: MAX_TRIALS, workloadCount: 1, submissionCount: 1 })).not.toThrow();
    expect(() => checkRunBounds({ ...ok, budgetScale: 1e-4 })).not.toThrow();
  });

  it.each([
    ['budget scale Infinity', { budgetScale: Infinity }, ['--budget-scale', 'Infinity', '≤ 10', 'smoke run']],
    ['budget scale 1e9', { budgetScale: 1e9 }, ['--budget-scale', '1000000000', '≤ 10']],
    ['budget scale 0', { budgetScale: 0 }, ['--budget-scale', '> 0']],
    ['budget scale NaN', { budgetScale: NaN }, ['--budget-scale', 'NaN']],
    ['self-tuning scale 4', { selfTuningBudgetScale: 4 }, ['--self-budget-scale', '≤ 3']],
    ['studies 0', { studies: 0 }, ['--studies must be a positive integer', 'at most 100']],
    ['studies 101', { studies: 101 }, ['--studies', 'at most 100', '101']],
    ['trials 1.5', { trials: 1.5 }, ['--trials must be a positive integer', '1.5']],
    ['trials 1,001', { trials: 1001 }, ['--trials', 'at most 1,000']],
    ['seed -1', { seed: -1 }, ['--seed must be a non-negative integer', '-1']],
    ['seed 2^53', { seed: 2 ** 53 }, ['--seed', String(2 ** 53)]],
    ['seed NaN', { seed: NaN }, ['--seed', 'NaN']],
  ] as Array<[string, Partial<RunBoundsInput>, string[]]>)('rejects %s', (_name, change, phrases) => {
    const message = failure(() => checkRunBounds({ ...ok, ...change }));
    for (const phrase of phrases) expect(message).toContain(phrase);
  });

  it('refuses 10^10 planned trials at once, from the counts, and says how many and how to split', () => {
    // Each flag within its own bound, the product far over the ceiling.
    const message = failure(() => checkRunBounds({ ...ok, studies: 100, trials: 1000, workloadCount: 22, submissionCount: 12 }));
    expect(message).toContain('22 workload(s) × 12 submission(s) × 100 studies × 1,000 trials would plan 26,400,000 trials');
    expect(message).toContain(`more than the ${MAX_PLANNED_TRIALS.toLocaleString('en-US')}`);
    expect(message).toContain('lower --studies × --trials');
  });

  it('names settings by their API names outside the CLI (no flag is spelled below it)', () => {
    expect(thrown(() => checkRunBounds({ ...ok, seed: -1 })).message).toBe(
      'seed must be a non-negative integer, at most 9007199254740991 (got -1); pass a whole number such as 0 or 42',
    );
    expect(thrown(() => checkRunBounds({ ...ok, selfTuningBudgetScale: 4 })).message).toMatch(/^selfTuningBudgetScale must be a finite number > 0 and ≤ 3 \(got 4\)/);
    const grid = thrown(() => checkRunBounds({ ...ok, studies: 100, trials: 10, workloadCount: 22, submissionCount: 2 })).message;
    expect(grid).toContain('split it into runs on the same dbPath, e.g. one per workload and submission');
    expect(grid).toContain('or lower studies / trials');
    expect(grid).not.toMatch(/--[a-z]/);
  });

  it('a grid whose cells fit suggests one run per workload and submission', () => {
    const message = failure(() => checkRunBounds({ ...ok, studies: 100, trials: 10, workloadCount: 22, submissionCount: 2 }));
    expect(message).toContain('would plan 44,000 trials');
    expect(message).toContain('44 runs of 1,000 trials');
  });

  it('the ceiling itself is allowed', () => {
    expect(() => checkRunBounds({ ...ok, studies: 100, trials: 100, workloadCount: 1, submissionCount: 1 })).not.toThrow();
    expect(() => checkRunBounds({ ...ok, studies: 100, trials: 100, workloadCount: 1, submissionCount: 2 })).toThrow(/20,000/);
  });
});

describe('checkPlannedTrials', () => {
  it('multiplies the factors and refuses anything above the ceiling, even a non-finite product', () => {
    expect(checkPlannedTrials([{ what: 'a', n: 100 }, { what: 'b', n: 100 }], 'split')).toBe(10_000);
    expect(failure(() => checkPlannedTrials([{ what: 'a', n: 1e300 }, { what: 'b', n: 1e300 }], 'split it'))).toContain('would plan Infinity trials');
    expect(failure(() => checkPlannedTrials([{ what: 'x', n: NaN }], 'split it'))).toContain('would plan NaN trials');
  });
});

describe('the CLI parses number text strictly', () => {
  it.each([
    ['12', 12], ['+3', 3], [' 7 ', 7], ['1e3', NaN], ['0x10', NaN], ['', NaN], [' ', NaN], ['1.5', NaN], ['Infinity', NaN], ['9007199254740993', 9007199254740992],
  ] as Array<[string, number]>)('integer text %j → %d', (text, value) => {
    expect(integerText(text)).toBe(value);
  });

  it.each([
    ['0.05', 0.05], ['1e9', 1e9], ['.5', 0.5], ['5.', 5], ['-1', -1], ['Infinity', NaN], ['NaN', NaN], ['0x10', NaN], ['', NaN], ['1e', NaN],
  ] as Array<[string, number]>)('decimal text %j → %d', (text, value) => {
    expect(decimalText(text)).toBe(value);
  });
});
