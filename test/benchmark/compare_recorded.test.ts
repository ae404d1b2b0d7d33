/**
 * compare's verdict on two shipped baselines that really differ, from recorded trials:
 * adamw against sam_adamw on mnist_mlp at the same hyperparameter point (adamw's
 * reference configuration) with SAM's ρ = 0: its perturbation is then zero and it steps
 * exactly as AdamW does, so on a seed both sides follow one trajectory and reach the
 * target at the same step, but SAM takes a second forward and backward pass per step.
 * The pairs were recorded by the real CLI (isolated trials, real clock) into a store
 * and written out with their provenance
 * (test/fixtures/compare/adamw_vs_sam_adamw_mnist_mlp.json; docs/compare.md says how).
 *
 * The ground truth is computed here from the fixture alone, by the published rules and
 * not by compare's code: the exact binomial sign test over all recorded pairs, the
 * direction and the median ratio; and, for every replayed sequence, the pair at which
 * the mixture likelihood ratio 2ⁿ·w!·l!/(n+1)! first reaches 1/α, in exact integer
 * arithmetic. The replays go through compare's own pairing and stopping (PairCollector,
 * fed trial outcomes the way runComparison feeds it), its test and its words
 * (summarizeComparison). Nothing is timed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PairCollector } from '../../harness/benchmark/compare.ts';
import { summarizeComparison, type WorkloadComparison } from '../../harness/report/comparison.ts';

/** compare's defaults: --alpha 0.01 and --max-pairs 30 (harness/cli/compare_command.ts). */
const INVERSE_ALPHA = 100n;
const ALPHA = 1 / Number(INVERSE_ALPHA);
const MAX_PAIRS = 30;
const REPETITIONS = 20;

interface RecordedSide { status: string; timeToTargetSec: number | null; steps: number | null }
interface Recording {
  a: string;
  b: string;
  workload: string;
  // Per pair: study, seed, and each side's trial under its name.
  pairs: Array<Record<string, unknown>>;
}
const recording = JSON.parse(readFileSync(new URL('../fixtures/compare/adamw_vs_sam_adamw_mnist_mlp.json', import.meta.url), 'utf8')) as Recording;
const { a: A, b: B, workload: WORKLOAD } = recording;
interface Pair { a: RecordedSide; b: RecordedSide }
const recorded: Pair[] = recording.pairs.map((p) => ({ a: p[A] as RecordedSide, b: p[B] as RecordedSide }));

// ---- The reference, from the published rules (docs/compare.md), in exact arithmetic ----

/** A trial's time-to-target; any status but `reached` is a miss, slower than any time. */
const timeOf = (s: RecordedSide): number => (s.status === 'reached' && s.timeToTargetSec !== null ? s.timeToTargetSec : Infinity);
/** +1: B sooner; −1: A sooner; 0: a tie (both missed, or equal times). */
const signOf = (p: Pair): number => Math.sign(timeOf(p.a) - timeOf(p.b)) || 0;

const factorial = (k: number): bigint => (k <= 1 ? 1n : BigInt(k) * factorial(k - 1));
const choose = (n: number, k: number): bigint => factorial(n) / (factorial(k) * factorial(n - k));

/** The exact two-sided binomial sign test of w wins against l losses (ties dropped). */
function binomialSignTest(w: number, l: number): number {
  const n = w + l;
  let tail = 0n;
  for (let k = 0; k <= Math.min(w, l); k++) tail += choose(n, k);
  return Math.min(1, (2 * Number(tail)) / 2 ** n);
}

/** The mixture likelihood ratio 2ⁿ·w!·l!/(n+1)! as a numerator and denominator. */
const mixture = (w: number, l: number) => ({ num: 2n ** BigInt(w + l) * factorial(w) * factorial(l), den: factorial(w + l + 1) });

interface Expected { pairs: number; direction: 'a_faster' | 'b_faster' | undefined; p: number; used: Pair[] }

/** Where the sequential sign test must stop on `pairs`, in what direction, and its always-valid p. */
function expectedDecision(pairs: readonly Pair[]): Expected {
  let w = 0, l = 0, maxLR = 1;
  for (let i = 0; i < pairs.length; i++) {
    const s = signOf(pairs[i]!);
    if (s > 0) w += 1;
    if (s < 0) l += 1;
    const { num, den } = mixture(w, l);
    maxLR = Math.max(maxLR, Number(num) / Number(den));
    if (num >= INVERSE_ALPHA * den) return { pairs: i + 1, direction: w > l ? 'b_faster' : 'a_faster', p: 1 / maxLR, used: pairs.slice(0, i + 1) };
  }
  return { pairs: pairs.length, direction: undefined, p: Math.min(1, 1 / maxLR), used: [...pairs] };
}

/** The speedup of B over A: exp of the median of log(t_A / t_B) over pairs with a ratio (both-missed left out). */
function medianSpeedup(pairs: readonly Pair[]): number {
  const logs = pairs.filter((p) => timeOf(p.a) < Infinity || timeOf(p.b) < Infinity).map((p) => Math.log(timeOf(p.a) / timeOf(p.b))).sort((x, y) => x - y);
  const mid = logs.length >> 1;
  return Math.exp(logs.length % 2 === 1 ? logs[mid]! : (logs[mid - 1]! + logs[mid]!) / 2);
}

/** How the verdict writes a p-value: 3 decimals, 4 below 0.01, "p < 0.001" below that. */
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`);

/** A seeded uniform generator (mulberry32), so the resamples are the same on every run. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const resample = <T>(from: readonly T[], n: number, next: () => number): T[] => Array.from({ length: n }, () => from[Math.floor(next() * from.length)]!);
/** A seeded Fisher–Yates shuffle: the recorded pairs in another order. */
function shuffled<T>(from: readonly T[], next: () => number): T[] {
  const out = [...from];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---- compare's side: its pairing, stopping, test and words ----

/**
 * Feeds `pairs` to compare's PairCollector as runComparison does (study i is pair i,
 * its two trials in alternating order, no new pair once the workload is decided) and
 * summarizes what it collected.
 */
function replay(pairs: readonly Pair[], names = { a: A, b: B }): WorkloadComparison {
  const collector = new PairCollector(1, ALPHA);
  for (const [study, pair] of pairs.entries()) {
    if (collector.isDecided(WORKLOAD)) break;
    const sides = study % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const side of sides) collector.add({ workload: WORKLOAD, study, side, ...pair[side] });
  }
  const comparison = summarizeComparison({ ...names, alpha: ALPHA, minEffect: 0.05 }, [{ workload: WORKLOAD, pairs: collector.pairs(WORKLOAD) }]);
  return comparison.workloads[0]!;
}

/** Checks one replay against the reference: the stopping pair, the direction, p and the sentence. */
function checkDecided(got: WorkloadComparison, want: Expected, names = { a: A, b: B }): void {
  expect(got.decided).toBe(want.direction);
  expect(got.pairs).toBe(want.pairs);
  expect(got.pValue).toBeCloseTo(want.p, 10);
  const [faster, slower] = want.direction === 'b_faster' ? [names.b, names.a] : [names.a, names.b];
  expect(got.verdict).toMatch(new RegExp(
    `^${escaped(`${faster} is faster than ${slower} on ${WORKLOAD}: `)}${speedupPattern(want.used, names)}${escaped(`, ${pText(want.p)}, ${want.pairs} paired trials (sequential sign test at α = ${ALPHA})`)}$`,
  ));
  // The interval excludes 1× on the side of the decision (it excludes 1 exactly when the test decided).
  if (want.direction === 'a_faster') expect(got.speedup.upper).toBeLessThan(1);
  else expect(got.speedup.lower).toBeGreaterThan(1);
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The speedup as the verdict must write it: the median to 2 decimals and an interval
 * (both ends, or one end where misses leave the other open; its bounds are compare's
 * own and not checked here beyond excluding 1), or, when the median pair is a miss,
 * which side missed in how many of the pairs with a result.
 */
function speedupPattern(used: readonly Pair[], names: { a: string; b: string }): string {
  const speedup = medianSpeedup(used);
  if (Number.isFinite(speedup) && speedup > 0) {
    const bound = '\\d+\\.\\d\\d×';
    return `${escaped(`${speedup.toFixed(2)}× (`)}(\\d+\\.\\d\\d–${bound}|at most ${bound}|at least ${bound})\\)`;
  }
  const withResult = used.filter((p) => timeOf(p.a) < Infinity || timeOf(p.b) < Infinity);
  const [side, name] = speedup === 0 ? ['b', names.b] as const : ['a', names.a] as const;
  const missed = withResult.filter((p) => timeOf(p[side]) === Infinity).length;
  return escaped(`speedup unknown: ${name} ${missed === withResult.length ? 'never reached the target' : `missed the target in ${missed} of ${withResult.length} pairs`}`);
}

describe(`the recording: ${A} against ${B} on ${WORKLOAD}`, () => {
  it('has at least 20 pairs, both sides reaching the target on most seeds', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(20);
    const bothReached = recorded.filter((p) => timeOf(p.a) < Infinity && timeOf(p.b) < Infinity).length;
    expect(bothReached / recorded.length).toBeGreaterThanOrEqual(0.75);
  });

  it(`ground truth: ${A} is faster, by the exact binomial sign test over all pairs at α = ${ALPHA}, with a median ratio above 1.5`, () => {
    const wins = { a: recorded.filter((p) => signOf(p) < 0).length, b: recorded.filter((p) => signOf(p) > 0).length };
    expect(wins.a).toBeGreaterThan(wins.b);
    expect(binomialSignTest(wins.b, wins.a)).toBeLessThan(ALPHA);
    // t_B / t_A: SAM's second gradient per step roughly doubles the time to the same step.
    expect(1 / medianSpeedup(recorded)).toBeGreaterThan(1.5);
  });
});

describe(`compare replays the recorded pairs in ${REPETITIONS} seeded orders at α = ${ALPHA}`, () => {
  const orders = Array.from({ length: REPETITIONS }, (_, seed) => shuffled(recorded, uniform(seed + 1)));

  it(`names ${A} in at least 19 of ${REPETITIONS}, ${B} never, and stops where the reference does, with its p and sentence`, () => {
    const got = orders.map((pairs) => replay(pairs));
    expect(got.filter((w) => w.decided === 'a_faster').length).toBeGreaterThanOrEqual(19);
    expect(got.filter((w) => w.decided === 'b_faster')).toEqual([]);
    got.forEach((w, i) => {
      const want = expectedDecision(orders[i]!);
      if (want.direction === undefined) expect(w.decided).toBeUndefined();
      else checkDecided(w, want);
    });
  });

  it(`with the sides swapped (${B} as A), names ${A} the same way`, () => {
    const swapped = { a: B, b: A };
    orders.forEach((pairs) => {
      const flipped = pairs.map((p) => ({ a: p.b, b: p.a }));
      const want = expectedDecision(flipped);
      expect(want.direction).toBe('b_faster');
      checkDecided(replay(flipped, swapped), want, swapped);
    });
  });

  it(`bootstrap resamples of ${MAX_PAIRS} pairs (compare's default budget): never ${B}, and each decided or not exactly as the reference`, () => {
    // Resampling with replacement adds the noise of a fresh run: some resamples draw
    // the recorded loss and ties often enough that 30 pairs do not decide, which the
    // verdict must then say rather than guess.
    orders.forEach((_, seed) => {
      const pairs = resample(recorded, MAX_PAIRS, uniform(100 + seed));
      const want = expectedDecision(pairs);
      const got = replay(pairs);
      expect(got.decided).not.toBe('b_faster');
      if (want.direction === undefined) expect(got.verdict).toMatch(new RegExp(`^no detectable difference on ${WORKLOAD} at this budget \\(`));
      else checkDecided(got, want);
    });
  });

  it('as if the budget had been the upper quartile of adamw\'s times: misses of both sides are ties, left out of the test', () => {
    // A trial reaches within a budget c exactly when its time-to-target is at most c,
    // so the recorded trials say what a run with budget c would have recorded.
    const aTimes = recorded.map((p) => timeOf(p.a)).filter(Number.isFinite).sort((x, y) => x - y);
    const cut = aTimes[Math.floor(aTimes.length * 0.75)]!;
    const censor = (s: RecordedSide): RecordedSide => (timeOf(s) <= cut ? s : { ...s, status: 'budget_exhausted', timeToTargetSec: null });
    let ties = 0;
    orders.forEach((pairs) => {
      const cutPairs = pairs.map((p) => ({ a: censor(p.a), b: censor(p.b) }));
      const want = expectedDecision(cutPairs);
      ties += want.used.filter((p) => signOf(p) === 0).length;
      const got = replay(cutPairs);
      expect(got.bothMissed + got.equal).toBe(want.used.filter((p) => signOf(p) === 0).length);
      if (want.direction === undefined) expect(got.decided).toBeUndefined();
      else checkDecided(got, want);
    });
    // The scenario is only a test of ties if it has some before the decisions.
    expect(ties).toBeGreaterThan(REPETITIONS);
  });
});

describe('a baseline against itself, on its recorded times', () => {
  it.each([['A'], ['B']])(`side %s paired with its own resampled trials: "no detectable difference" in at least 19 of ${REPETITIONS}`, (which) => {
    const side = which === 'A' ? recorded.map((p) => p.a) : recorded.map((p) => p.b);
    const name = which === 'A' ? A : B;
    const got = Array.from({ length: REPETITIONS }, (_, seed) => {
      const next = uniform(1000 + seed);
      const pairs = Array.from({ length: MAX_PAIRS }, () => ({ a: resample(side, 1, next)[0]!, b: resample(side, 1, next)[0]! }));
      return replay(pairs, { a: name, b: `${name}_copy` });
    });
    const undecided = got.filter((w) => w.decided === undefined);
    expect(undecided.length).toBeGreaterThanOrEqual(19);
    for (const w of undecided) expect(w.verdict).toMatch(new RegExp(`^no detectable difference on ${WORKLOAD} at this budget \\(`));
  });
});
