/**
 * verify-targets on the linear test workload with a fake clock.
 * - reference ruleset: reruns a workload's reference configuration with fresh seeds
 *   and counts the seeds that reach the target within the budget;
 * - external ruleset: runs the baseline as `run` would (studies × trials from its
 *   search space, seeds as `run` derives them), scores each study by its best trial
 *   and passes when more than half of the studies (2 of 3) reach the target.
 * The workload scripts which trials meet the target (every eval of a reaching trial
 * meets it, none of the others does).
 */
import { describe, expect, it } from 'vitest';
import { verifyExternal, verifyTargets, type ExternalTrial } from '../../harness/targets/verify_targets.ts';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { Hparams, Workload } from '../../harness/spec.ts';
import type { LoadedSubmission } from '../../harness/submissions/load.ts';
import { parseSearchSpace, sampleHparams } from '../../harness/tuning/search_space.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { linearWorkload } from '../fixtures/linear_workload.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

const reference = { submission: 'scripted', hparams: { lr: 0.05 } };
const SPACE = parseSearchSpace(
  { lr: { min: 1e-3, max: 1e-1, scaling: 'log' }, warmup_frac: { feasible_points: [0.02, 0.05] } },
  'test search space',
);

/**
 * `reaches(k)`: whether the k-th trial run (0-based, in run order) meets the target;
 * `stepSec(k)`: the fake seconds of each of its steps.
 */
function setup(reaches: (trial: number) => boolean, stepSec: (trial: number) => number = () => 1) {
  const clock = new FakeClock();
  let trial = -1;
  const base = linearWorkload({ clock, budget: { maxRuntimeSec: 8, stepHint: 10 } });
  const workload: Workload = {
    ...base,
    load: async () => {
      trial += 1;
      await base.load();
    },
    evaluate: (params, split) => ({ ...base.evaluate(params, split), score: reaches(trial) ? 0.95 : 0.5 }),
  };
  const seenHparams: Hparams[] = [];
  const submission = scriptedSubmission({
    clock,
    stepSec: () => stepSec(trial),
    onUpdate: (ctx) => void (ctx.step === 0 && seenHparams.push({ ...ctx.hparams })),
  });
  const loaded: LoadedSubmission = { name: 'scripted', modulePath: '', submission, searchSpace: SPACE };
  return {
    clock,
    workload,
    seenHparams,
    dispose: () => base.dispose(),
    loaded,
    common: {
      workloads: [workload],
      baseSeed: 0,
      targetsOf: () => ({ validation: 0.9, test: 0.8 }),
      loadSubmission: async () => loaded,
      clock,
      wallClock: () => clock.now(),
    },
  };
}

describe('verifyTargets (--ruleset reference)', () => {
  it('counts the seeds that reach the target and reports their median time-to-target', async () => {
    // Seeds 0, 1 and 3 meet the target; seed 2 never does.
    const s = setup((k) => k !== 2);
    const seen: number[] = [];
    const [summary] = await verifyTargets({
      ...s.common,
      referenceOf: () => reference,
      seeds: 4,
      onTrial: (_t, i, total) => {
        seen.push(i);
        expect(total).toBe(4);
      },
    });
    s.dispose();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(summary!.seeds).toBe(4);
    expect(summary!.reached).toBe(3);
    expect(summary!.trials.map((t) => t.status)).toEqual(['reached', 'reached', 'budget_exhausted', 'reached']);
    const times = summary!.trials.filter((t) => t.status === 'reached').map((t) => t.timeToTargetSec!);
    expect(summary!.medianTimeToTargetSec).toBe([...times].sort((a, b) => a - b)[1]);
    expect(summary!.budgetSec).toBe(8);
    expect(new Set(summary!.trials.map((t) => t.seed)).size).toBe(4);
    expect(summary!.trials[2]!.wallSec).toBeGreaterThanOrEqual(8);
  });

  it('runs the reference hyperparameters from the targets file', async () => {
    const s = setup(() => true);
    await verifyTargets({ ...s.common, referenceOf: () => reference, seeds: 1 });
    s.dispose();
    expect(s.seenHparams[0]).toEqual(reference.hparams);
  });

  it('refuses a workload without a reference configuration, naming the fix', async () => {
    const s = setup(() => true);
    await expect(verifyTargets({ ...s.common, seeds: 1, referenceOf: () => undefined })).rejects.toThrow(/no reference configuration.*"reference"/);
    s.dispose();
  });
});

/** Study scores as AlgoPerf takes them: the best reached time of each study, else ∞; then their median. */
function expectedFromTrials(trials: readonly ExternalTrial[], studies: number) {
  const best = Array.from({ length: studies }, (_, study) => {
    const times = trials.filter((t) => t.study === study && t.status === 'reached').map((t) => t.timeToTargetSec!);
    return times.length > 0 ? Math.min(...times) : Infinity;
  });
  const sorted = [...best].sort((a, b) => a - b);
  return { best, reached: best.filter(Number.isFinite).length, median: sorted[studies >> 1]! };
}

describe('verifyExternal (--ruleset external)', () => {
  const studies = 3;
  const trials = 4;

  it('passes when 2 of 3 studies reach the target, scoring each study by its best trial', async () => {
    // Study 0: trials 1 and 3 reach; study 1: none; study 2: trial 0 reaches.
    const reaching = new Set([1, 3, 8]);
    // Steps of different lengths, so that trials reach the target at different times.
    const s = setup((k) => reaching.has(k), (k) => [1, 0.5, 1, 0.25][k % 4]!);
    const lines: ExternalTrial[] = [];
    const [summary] = await verifyExternal({
      ...s.common, studies, trials, submissionOf: () => 'scripted', onTrial: (t, i, total) => {
        expect(i).toBe(lines.length + 1);
        expect(total).toBe(studies * trials);
        lines.push(t);
      },
    });
    s.dispose();
    expect(lines).toHaveLength(studies * trials);
    expect(summary!.trials.filter((t) => t.status === 'reached').map((t) => t.study * trials + t.trial)).toEqual([1, 3, 8]);
    const expected = expectedFromTrials(summary!.trials, studies);
    expect(expected.reached).toBe(2);
    expect(summary!.reachedStudies).toBe(2);
    expect(summary!.minStudies).toBe(2);
    expect(summary!.passed).toBe(true);
    expect(summary!.studies.map((st) => st.timeToTargetSec ?? Infinity)).toEqual(expected.best);
    expect(summary!.studies.map((st) => st.reachedTrials)).toEqual([2, 0, 1]);
    expect(summary!.medianTimeToTargetSec).toBe(expected.median);
    expect(Number.isFinite(expected.median)).toBe(true);
    expect(summary!.budgetSec).toBe(8);
    expect(summary!.submission).toBe('scripted');
  });

  it('fails when only 1 of 3 studies reaches the target (the median over studies is infinite)', async () => {
    // Every trial of study 1 reaches the target, none of studies 0 and 2.
    const s = setup((k) => Math.floor(k / trials) === 1);
    const [summary] = await verifyExternal({ ...s.common, studies, trials, submissionOf: () => 'scripted' });
    s.dispose();
    expect(summary!.studies.map((st) => st.reachedTrials)).toEqual([0, trials, 0]);
    expect(summary!.reachedStudies).toBe(1);
    expect(summary!.passed).toBe(false);
    expect(summary!.medianTimeToTargetSec).toBeNull();
  });

  it('draws each study\'s hyperparameters from the search space and derives seeds as `run` does', async () => {
    const s = setup(() => false);
    const [summary] = await verifyExternal({ ...s.common, baseSeed: 11, studies, trials, submissionOf: () => 'scripted' });
    s.dispose();
    // harness/benchmark/plan.ts: sampleHparams(space, { seed, study, count: trials }) per
    // study, seed = deriveSeed(seed, workload, variant, study, trial) mod 2^31.
    for (const t of summary!.trials) {
      expect(t.hparams).toEqual(sampleHparams(SPACE, { seed: 11, study: t.study, count: trials })[t.trial]);
      expect(t.seed).toBe(deriveSeed(11, 'linear_fixture', 'base', t.study, t.trial) % 2 ** 31);
    }
    expect(s.seenHparams).toEqual(summary!.trials.map((t) => t.hparams));
    expect(new Set(s.seenHparams.map((h) => h['lr'])).size).toBe(studies * trials);
  });

  it('takes --min-reached as the number of studies that must reach the target', async () => {
    const s = setup((k) => k < trials); // study 0 only
    const [summary] = await verifyExternal({ ...s.common, studies, trials, minStudies: 1, submissionOf: () => 'scripted' });
    s.dispose();
    expect(summary!.reachedStudies).toBe(1);
    expect(summary!.passed).toBe(true);
  });

  it('refuses a workload without a reference baseline or a baseline without a search space', async () => {
    const s = setup(() => true);
    await expect(verifyExternal({ ...s.common, studies, trials, submissionOf: () => undefined })).rejects.toThrow(/no reference baseline.*pass submissions/);
    const { searchSpace: _dropped, ...bare } = s.loaded;
    await expect(
      verifyExternal({ ...s.common, studies, trials, submissionOf: () => 'scripted', loadSubmission: async () => bare }),
    ).rejects.toThrow(/no search_space\.json/);
    s.dispose();
  });
});
