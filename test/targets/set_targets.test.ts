/**
 * set-targets on the linear test workload with a fake clock (1 s per step): the
 * workload scripts each trial's validation metric from the tuned hyperparameters (a
 * function of lr that the test knows) and from the fake submission time of the eval,
 * so every expected value below is computed here from what the trials saw, not by
 * the code under test.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundTarget, roundUp2, setTargets, writeTargets } from '../../harness/targets/set_targets.ts';
import type { BackendInfo } from '../../harness/backends/select.ts';
import type { Hardware } from '../../harness/identity/fingerprint.ts';
import type { Hparams, Workload } from '../../harness/spec.ts';
import type { LoadedSubmission } from '../../harness/submissions/load.ts';
import { loadSearchSpace } from '../../harness/tuning/search_space.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { linearWorkload } from '../fixtures/linear_workload.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

const env = {
  backend: { name: 'cpu', package: 'test', version: '0' } as BackendInfo,
  hardware: { fingerprint: 'test-hardware' } as unknown as Hardware,
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A baseline folder on disk (module + search_space.json), as loadSubmission finds them. */
function baselineDir(space: unknown): { dir: string; module: string; spacePath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'algobench-set-targets-'));
  dirs.push(dir);
  const module = join(dir, 'submission.ts');
  const spacePath = join(dir, 'search_space.json');
  writeFileSync(module, '// a baseline stand-in: the test runs the scripted submission\n');
  writeFileSync(spacePath, `${JSON.stringify(space, null, 2)}\n`);
  return { dir, module, spacePath };
}

interface Recorded {
  readonly trial: number;
  /** Fake submission seconds at the eval (evals and batches take no fake time). */
  readonly t: number;
  readonly validation: number;
  readonly test: number;
}

/**
 * Trials 0..tuningTrials-1 are tuning trials: from 3 s of submission time on, their
 * validation metric is `score(lr)`. Later trials are reruns: rerun k reports
 * `rerunBests[k]` from 3 s on. Before 3 s every trial reports 0.5; the test metric is
 * the validation metric − 0.01.
 */
function setup(o: { space: unknown; tuningTrials: number; score: (lr: number) => number; rerunBests: readonly number[]; budgetSec?: number }) {
  const clock = new FakeClock();
  const base = linearWorkload({ clock, budget: { maxRuntimeSec: o.budgetSec ?? 8, stepHint: 10 } });
  let trial = -1;
  let start = 0;
  const hparamsOf: Hparams[] = [];
  const recorded: Recorded[] = [];
  const workload: Workload = {
    ...base,
    load: async () => {
      trial += 1;
      start = clock.now();
      await base.load();
    },
    evaluate: (params, split) => {
      const metrics = base.evaluate(params, split);
      if (split === 'train') return metrics;
      const t = clock.now() - start;
      const best = trial < o.tuningTrials ? o.score(Number(hparamsOf[trial]!['lr'])) : o.rerunBests[trial - o.tuningTrials]!;
      const validation = t < 3 ? 0.5 : best;
      if (split === 'validation') recorded.push({ trial, t, validation, test: validation - 0.01 });
      return { ...metrics, score: split === 'test' ? validation - 0.01 : validation };
    },
  };
  const scripted = scriptedSubmission({ clock, onUpdate: (ctx) => void (ctx.step === 0 && (hparamsOf[trial] = { ...ctx.hparams })) });
  const files = baselineDir(o.space);
  const submission: LoadedSubmission = { name: 'scripted', modulePath: files.module, submission: scripted, searchSpace: loadSearchSpace(files.spacePath) };
  return { clock, workload, submission, hparamsOf, recorded, files, dispose: () => base.dispose() };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Position of a value in a range, in the range's scaled coordinate. */
const position = (v: number, min: number, max: number, log: boolean) =>
  log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);

const SPACE = {
  lr: { min: 1e-3, max: 1e-1, scaling: 'log' },
  weight_decay: { min: 0, max: 0.1, scaling: 'linear' },
  warmup_frac: { feasible_points: [0.02, 0.05] },
};
/** Peaks at lr = 1e-2, the middle of the log range. */
const peaked = (lr: number) => 0.9 - 0.05 * (Math.log10(lr) + 2) ** 2;

describe('set-targets tunes the reference baselines over their search space (AlgoPerf)', () => {
  it('tries distinct points of the space, reruns the best one, and sets targets and budget from the reruns', async () => {
    const trials = 6;
    const rerunBests = [0.9, 0.98, 0.94];
    const s = setup({ space: SPACE, tuningTrials: trials, score: peaked, rerunBests });
    const lines: string[] = [];
    const warnings: string[] = [];
    const setting = await setTargets(
      {
        workload: s.workload, submissions: [s.submission], trials, reruns: rerunBests.length, seed: 7, tuneBudgetFactor: 1,
        minBudgetSec: 1, clock: s.clock, wallClock: () => 0, onTrial: (l) => lines.push(l), onWarning: (l) => warnings.push(l),
      },
      env,
    );
    s.dispose();
    // One line per trial as it ends.
    expect(lines.filter((l) => l.startsWith('[tune'))).toHaveLength(trials);
    expect(lines.filter((l) => l.startsWith('[rerun'))).toHaveLength(rerunBests.length);

    // Tuning tried `trials` distinct points, all inside the space.
    const tuned = s.hparamsOf.slice(0, trials);
    const lrs = tuned.map((h) => Number(h['lr']));
    expect(new Set(lrs).size).toBe(trials);
    for (const h of tuned) {
      expect(Number(h['lr'])).toBeGreaterThanOrEqual(1e-3);
      expect(Number(h['lr'])).toBeLessThanOrEqual(1e-1);
      expect(Number(h['weight_decay'])).toBeGreaterThanOrEqual(0);
      expect(Number(h['weight_decay'])).toBeLessThanOrEqual(0.1);
      expect([0.02, 0.05]).toContain(h['warmup_frac']);
    }
    // The best configuration is the tuning trial with the highest score(lr)...
    const bestTrial = lrs.reduce((bi, lr, i) => (peaked(lr) > peaked(lrs[bi]!) ? i : bi), 0);
    expect(setting.reference).toEqual({ submission: 'scripted', hparams: tuned[bestTrial] });
    // ...and every rerun ran it.
    for (const h of s.hparamsOf.slice(trials)) expect(h).toEqual(tuned[bestTrial]);

    // Validation target: the median of the reruns' best (0.94); test target: the worst
    // test metric where the reruns first met it; budget: 3 × their median time-to-target.
    expect(setting.validation).toBe(0.94);
    const firstHits = rerunBests.map((_, k) => s.recorded.find((r) => r.trial === trials + k && r.validation >= 0.94));
    const hits = firstHits.filter((h): h is Recorded => h !== undefined);
    expect(hits).toHaveLength(2);
    expect(setting.test).toBeCloseTo(Math.min(...hits.map((h) => h.test)), 10);
    expect(setting.test).toBeCloseTo(0.93, 10);
    const ttt = median(hits.map((h) => h.t));
    expect(setting.budget.maxRuntimeSec).toBeGreaterThanOrEqual(3 * ttt);
    expect(setting.budget.maxRuntimeSec).toBeLessThan(3 * ttt * 1.1);
    expect(setting.budget).toEqual({ maxRuntimeSec: setting.budget.maxRuntimeSec, stepHint: 10 });

    // Provenance: the procedure, the ruleset, the baseline's hashes, seeds and trials.
    const p = setting.provenance as Record<string, any>;
    expect(setting.procedure).toBe('algoperf_external_tuning');
    expect(p['procedure']).toBe('algoperf_external_tuning');
    expect(p['ruleset']).toBe('external');
    expect(p['hardware']).toBe('test-hardware');
    expect(p['backend']).toBe('cpu 0');
    expect(p['baseSeed']).toBe(7);
    expect(p['baselines']).toEqual([
      expect.objectContaining({ submission: 'scripted', moduleSha256: sha256(s.files.module), searchSpaceSha256: sha256(s.files.spacePath) }),
    ]);
    expect(p['tuning'].trialsPerBaseline).toBe(trials);
    expect(p['tuning'].trials.map((t: { hparams: Hparams }) => t.hparams)).toEqual(tuned);
    expect(new Set(p['tuning'].trials.map((t: { seed: number }) => t.seed)).size).toBe(trials);
    expect(p['reruns'].count).toBe(rerunBests.length);
    expect(p['reruns'].runs.map((r: { bestValidation: number }) => r.bestValidation)).toEqual(rerunBests);
    const rerunSeeds = p['reruns'].runs.map((r: { seed: number }) => r.seed);
    expect(new Set(rerunSeeds).size).toBe(rerunBests.length);
    for (const seed of rerunSeeds) expect(p['tuning'].trials.map((t: { seed: number }) => t.seed)).not.toContain(seed);

    // Edges of the chosen point, worked out here from its coordinates.
    const chosen = tuned[bestTrial]!;
    const expectedEdges = [
      { name: 'lr', u: position(Number(chosen['lr']), 1e-3, 1e-1, true) },
      { name: 'weight_decay', u: position(Number(chosen['weight_decay']), 0, 0.1, false) },
    ].filter((e) => e.u <= 0.05 || e.u >= 0.95).map((e) => e.name);
    expect(setting.edges.map((e) => e.name)).toEqual(expectedEdges);
    expect(p['chosen'].edges.map((e: { name: string }) => e.name)).toEqual(expectedEdges);
    expect(warnings).toHaveLength(expectedEdges.length);
  });

  it('flags a best configuration on the edge of a range, with a warning line', async () => {
    // Monotone in lr: the best point is the largest lr tried. 32 quasi-random points
    // of one dimension fall one in each 1/32 of the range (stratified), so the largest
    // lies in the top 1/32 (over 96.8 %) of the log range: on its edge.
    const space = { lr: { min: 1e-3, max: 1e-1, scaling: 'log' } };
    const trials = 32;
    const s = setup({ space, tuningTrials: trials, score: (lr) => 0.5 + 0.1 * Math.log10(lr / 1e-3), rerunBests: [0.9], budgetSec: 4 });
    const warnings: string[] = [];
    const setting = await setTargets(
      { workload: s.workload, submissions: [s.submission], trials, reruns: 1, seed: 0, tuneBudgetFactor: 1, minBudgetSec: 1, clock: s.clock, onWarning: (l) => warnings.push(l) },
      env,
    );
    s.dispose();
    const lrs = s.hparamsOf.slice(0, trials).map((h) => Number(h['lr']));
    const top = Math.max(...lrs);
    expect(setting.reference.hparams['lr']).toBe(top);
    const u = position(top, 1e-3, 1e-1, true);
    expect(u).toBeGreaterThan(0.95);
    expect(setting.edges).toEqual([expect.objectContaining({ name: 'lr', edge: 'max', value: top, min: 1e-3, max: 1e-1, scaling: 'log' })]);
    expect(setting.edges[0]!.position).toBeCloseTo(u, 12);
    expect((setting.provenance as Record<string, any>)['chosen'].edges).toEqual(setting.edges);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/lr = .* max edge .*search space.*widening/);
  });

  it('refuses a baseline without a search space: the external ruleset tunes over one', async () => {
    const s = setup({ space: SPACE, tuningTrials: 1, score: peaked, rerunBests: [0.9] });
    const { searchSpace: _dropped, ...bare } = s.submission;
    await expect(
      setTargets({ workload: s.workload, submissions: [bare], trials: 1, reruns: 1, seed: 0, clock: s.clock }, env),
    ).rejects.toThrow(/no search_space\.json/);
    s.dispose();
  });
});

describe('set-targets --reference (not AlgoPerf\'s procedure)', () => {
  it('reruns the given configuration, relaxes the median by the slack, and says which procedure it was', async () => {
    const rerunBests = [0.9, 0.98, 0.94, 0.96, 0.92];
    const s = setup({ space: SPACE, tuningTrials: 0, score: peaked, rerunBests });
    const lines: string[] = [];
    const setting = await setTargets(
      {
        workload: s.workload, submissions: [], trials: 8, reruns: 5, seed: 0, tuneBudgetFactor: 1, slack: 0.02, minBudgetSec: 1,
        reference: { submission: s.submission, hparams: { lr: 0.5 } }, clock: s.clock, onTrial: (l) => lines.push(l),
      },
      env,
    );
    s.dispose();
    expect(lines.filter((l) => l.startsWith('[tune'))).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('[rerun'))).toHaveLength(5);
    expect(setting.validation).toBeCloseTo(0.92, 10); // median 0.94 − 0.02
    expect(setting.test).toBeCloseTo(0.91, 10); // the worst test metric at the first hits
    expect(setting.procedure).toBe('reference_rerun');
    expect((setting.provenance as Record<string, unknown>)['description']).toMatch(/NOT AlgoPerf/);
    // lr 0.5 lies outside [1e-3, 1e-1]: flagged.
    expect(setting.edges).toEqual([expect.objectContaining({ name: 'lr', edge: 'max' })]);
    expect(setting.edges[0]!.position).toBeGreaterThan(1);
  });

  it('never derives a budget under the floor', async () => {
    const s = setup({ space: SPACE, tuningTrials: 0, score: peaked, rerunBests: [0.9, 0.98, 0.94] });
    const setting = await setTargets(
      { workload: s.workload, submissions: [], trials: 1, reruns: 3, seed: 0, tuneBudgetFactor: 1, reference: { submission: s.submission, hparams: {} }, minBudgetSec: 30, clock: s.clock },
      env,
    );
    s.dispose();
    expect(setting.budget).toEqual({ maxRuntimeSec: 30, stepHint: 10 });
  });
});

describe('writeTargets', () => {
  it('bumps the file version, records it and the procedure in the entry, and can write elsewhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'algobench-targets-file-'));
    dirs.push(dir);
    const from = join(dir, 'targets.json');
    const original = { version: 4, workloads: { w: { base: { validation: 1, test: 1, provenance: 'old', budget: { maxRuntimeSec: 5, stepHint: 3, evalPeriodSec: 1 } } } } };
    writeFileSync(from, JSON.stringify(original));
    const setting = {
      validation: 0.9, test: 0.8, budget: { maxRuntimeSec: 12, stepHint: 10 }, reference: { submission: 'adamw', hparams: { lr: 1e-3 } },
      procedure: 'algoperf_external_tuning' as const, edges: [], provenance: { procedure: 'algoperf_external_tuning' },
    };
    const out = join(dir, 'derived.json');
    const next = writeTargets(from, 'w', 'tanh', setting, out);
    expect(JSON.parse(readFileSync(from, 'utf8'))).toEqual(original); // untouched
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toEqual(next);
    expect(written.version).toBe(5);
    expect(written.workloads.w.base).toEqual(original.workloads.w.base);
    expect(written.workloads.w.tanh).toEqual({
      validation: 0.9, test: 0.8, procedure: 'algoperf_external_tuning', targetsVersion: 5,
      budget: { maxRuntimeSec: 12, stepHint: 10 }, reference: { submission: 'adamw', hparams: { lr: 1e-3 } }, provenance: { procedure: 'algoperf_external_tuning' },
    });
  });
});

describe('set-targets rounding', () => {
  it('rounds targets to 4 significant digits towards the easier side', () => {
    expect(roundTarget(0.98889290326, 'max')).toBe(0.9888);
    expect(roundTarget(0.008158352851, 'min')).toBe(0.008159);
    expect(roundTarget(3.41234, 'min')).toBe(3.413);
    expect(roundTarget(0.94 - 0.02, 'max')).toBe(0.92);
  });

  it('rounds budgets up to 2 significant digits', () => {
    expect(roundUp2(6.9)).toBe(6.9);
    expect(roundUp2(43.2)).toBe(44);
    expect(roundUp2(0.2134)).toBe(0.22);
    expect(roundUp2(120)).toBe(120);
  });
});
