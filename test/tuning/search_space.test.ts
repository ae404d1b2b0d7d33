import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSearchSpace, parseSearchSpace, sampleHparams, type SearchSpace } from '../../harness/tuning/search_space.ts';
import { expectCodedError } from '../_coded_error.ts';

const RANGES = {
  learning_rate: { min: 1e-4, max: 1e-1, scaling: 'log' },
  one_minus_beta1: { min: 0.01, max: 0.2, scaling: 'linear' },
  warmup: { feasible_points: [0.02, 0.05, 0.1] },
  nesterov: { feasible_points: [true, false] },
};

/** Expects `fn` to throw E_SEARCH_SPACE with a one-line message containing `fragment`. */
function expectSpaceError(fn: () => unknown, fragment: string): void {
  expectCodedError(fn, 'E_SEARCH_SPACE', fragment);
}

describe('parseSearchSpace', () => {
  it('parses the ranges form', () => {
    const space = parseSearchSpace(RANGES, 'ranges.json');
    expect(space.kind).toBe('ranges');
    if (space.kind !== 'ranges') return;
    expect(space.params.map((p) => p.name)).toEqual(['learning_rate', 'one_minus_beta1', 'warmup', 'nesterov']);
    expect(space.params[0]).toEqual({ kind: 'range', name: 'learning_rate', min: 1e-4, max: 1e-1, scaling: 'log' });
    expect(space.params[3]).toEqual({ kind: 'choice', name: 'nesterov', feasiblePoints: [true, false] });
  });

  it('parses the points form', () => {
    const space = parseSearchSpace([{ lr: 0.001, opt: 'adam' }, { lr: 0.01, opt: 'sgd' }], 'points.json');
    expect(space).toEqual({ kind: 'points', points: [{ lr: 0.001, opt: 'adam' }, { lr: 0.01, opt: 'sgd' }] });
  });

  const bad: Array<[string, unknown, string]> = [
    ['a number', 3, 'must be an object'],
    ['null', null, 'must be an object'],
    ['an empty object', {}, 'names no hyperparameters'],
    ['a non-object spec', { lr: 0.1 }, '"lr" must be an object'],
    ['a missing min', { lr: { max: 1, scaling: 'linear' } }, '"lr.min" is missing'],
    ['a missing max', { lr: { min: 0, scaling: 'linear' } }, '"lr.max" is missing'],
    ['a string min', { lr: { min: '0', max: 1, scaling: 'linear' } }, '"lr.min" must be a finite number'],
    ['a missing scaling', { lr: { min: 0, max: 1 } }, '"lr.scaling" must be "log" or "linear"'],
    ['an unknown scaling', { lr: { min: 0, max: 1, scaling: 'exp' } }, '"lr.scaling"'],
    ['min = max', { lr: { min: 1, max: 1, scaling: 'linear' } }, '"lr.min" must be < "lr.max"'],
    ['min > max', { lr: { min: 2, max: 1, scaling: 'linear' } }, '"lr.min" must be <'],
    ['log with min 0', { lr: { min: 0, max: 1, scaling: 'log' } }, '"lr.min" must be > 0 for log scaling'],
    ['log with negative min', { lr: { min: -1, max: 1, scaling: 'log' } }, '"lr.min" must be > 0'],
    ['a typo key', { lr: { min: 0, max: 1, scalling: 'log' } }, '"lr.scalling" is not a known key'],
    ['empty feasible points', { wd: { feasible_points: [] } }, '"wd.feasible_points" must be a non-empty list'],
    ['feasible points not a list', { wd: { feasible_points: 0.1 } }, '"wd.feasible_points" must be a non-empty list'],
    ['an object feasible point', { wd: { feasible_points: [0.1, {}] } }, '"wd.feasible_points[1]"'],
    ['a null feasible point', { wd: { feasible_points: [null] } }, '"wd.feasible_points[0]"'],
    ['feasible points with min', { wd: { feasible_points: [1], min: 0 } }, '"wd.min" is not allowed beside'],
    ['an empty list', [], 'empty list of points'],
    ['a non-object point', [{ lr: 1 }, 2], '"[1]" must be an object'],
    ['an empty point', [{}], 'names no hyperparameters'],
    ['a point missing a key', [{ lr: 1, wd: 0 }, { lr: 2 }], '"[1].wd" is missing'],
    ['a point with an extra key', [{ lr: 1 }, { lr: 2, wd: 0 }], '"[1].wd" is not in point 0'],
    ['a non-scalar value', [{ lr: [1] }], '"[0].lr" must be a number, string or boolean'],
  ];
  it.each(bad)('rejects %s', (_label, json, fragment) => {
    expectSpaceError(() => parseSearchSpace(json, 'bad.json'), fragment);
    expectSpaceError(() => parseSearchSpace(json, 'bad.json'), 'search space "bad.json"');
  });
});

describe('loadSearchSpace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'algobench-space-'));

  it('reads a file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(RANGES));
    expect(loadSearchSpace(path).kind).toBe('ranges');
  });

  it('names a missing file', () => {
    expectSpaceError(() => loadSearchSpace(join(dir, 'nope.json')), 'nope.json": cannot read the file (ENOENT)');
  });

  it('names a file with invalid JSON, on one line', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{\n  "lr": {"min": 1,\n}\n');
    expectSpaceError(() => loadSearchSpace(path), 'broken.json": invalid JSON');
  });
});

describe('sampleHparams', () => {
  const space = parseSearchSpace(RANGES, 'ranges.json');

  it('is reproducible for the same seed and study', () => {
    expect(sampleHparams(space, { seed: 1, study: 0, count: 20 })).toEqual(
      sampleHparams(space, { seed: 1, study: 0, count: 20 }),
    );
  });

  it('gives different studies different points', () => {
    const a = sampleHparams(space, { seed: 1, study: 0, count: 5 });
    const b = sampleHparams(space, { seed: 1, study: 1, count: 5 });
    for (let i = 0; i < 5; i++) expect(a[i]?.['learning_rate']).not.toBe(b[i]?.['learning_rate']);
    const c = sampleHparams(space, { seed: 2, study: 0, count: 5 });
    expect(c[0]?.['learning_rate']).not.toBe(a[0]?.['learning_rate']);
  });

  it('keeps values within [min, max] and in the feasible points', () => {
    for (const h of sampleHparams(space, { seed: 3, study: 2, count: 200 })) {
      expect(h['learning_rate']).toBeGreaterThanOrEqual(1e-4);
      expect(h['learning_rate']).toBeLessThanOrEqual(1e-1);
      expect(h['one_minus_beta1']).toBeGreaterThanOrEqual(0.01);
      expect(h['one_minus_beta1']).toBeLessThanOrEqual(0.2);
      expect([0.02, 0.05, 0.1]).toContain(h['warmup']);
      expect([true, false]).toContain(h['nesterov']);
      expect(Object.keys(h)).toEqual(['learning_rate', 'one_minus_beta1', 'warmup', 'nesterov']);
    }
  });

  it('spreads log-scaled samples evenly in log space', () => {
    const logOnly = parseSearchSpace({ lr: { min: 1e-6, max: 1, scaling: 'log' } }, 'log.json');
    const lrs = sampleHparams(logOnly, { seed: 5, study: 0, count: 64 }).map((h) => h['lr'] as number);
    const below = lrs.filter((x) => x < 1e-3).length / lrs.length; // geometric midpoint
    expect(below).toBeGreaterThanOrEqual(0.4);
    expect(below).toBeLessThanOrEqual(0.6);
    // Each of the 6 decades spans more than one of the 8 base-2 strata (8 points each),
    // so stratification guarantees every decade at least 8 of the 64 points.
    const decadeBins = new Array<number>(6).fill(0);
    for (const x of lrs) decadeBins[Math.min(5, Math.floor(Math.log10(x) + 6))]! += 1;
    for (const n of decadeBins) expect(n).toBeGreaterThanOrEqual(8);
  });

  it('spreads linear samples evenly', () => {
    const lin = parseSearchSpace({ x: { min: 10, max: 20, scaling: 'linear' } }, 'lin.json');
    const xs = sampleHparams(lin, { seed: 9, study: 4, count: 64 }).map((h) => h['x'] as number);
    expect(xs.filter((x) => x < 15).length).toBe(32);
  });

  it('reaches every feasible point, in about equal shares', () => {
    const choice = parseSearchSpace(
      { a: { feasible_points: ['x', 'y', 'z'] }, b: { feasible_points: [1, 2, 3, 4, 5] } },
      'choice.json',
    );
    const hs = sampleHparams(choice, { seed: 0, study: 0, count: 45 });
    for (const v of ['x', 'y', 'z']) expect(hs.filter((h) => h['a'] === v).length).toBeGreaterThanOrEqual(13);
    for (const v of [1, 2, 3, 4, 5]) expect(hs.filter((h) => h['b'] === v).length).toBeGreaterThanOrEqual(7);
  });

  it('does not depend on the key order of the file', () => {
    const reordered = parseSearchSpace(
      { nesterov: RANGES.nesterov, warmup: RANGES.warmup, one_minus_beta1: RANGES.one_minus_beta1, learning_rate: RANGES.learning_rate },
      'reordered.json',
    );
    const a = sampleHparams(space, { seed: 1, study: 1, count: 8 });
    const b = sampleHparams(reordered, { seed: 1, study: 1, count: 8 });
    expect(b).toEqual(a);
  });

  it('gives trial i of a list point i, in order, the same in every study and for every seed', () => {
    const points: SearchSpace = parseSearchSpace([{ lr: 1 }, { lr: 2 }, { lr: 3 }], 'points.json');
    const lrs = (seed: number, study: number, count: number) => sampleHparams(points, { seed, study, count }).map((h) => h['lr']);
    expect(lrs(0, 0, 2)).toEqual([1, 2]);
    expect(lrs(0, 0, 3)).toEqual([1, 2, 3]);
    expect(lrs(7, 4, 3)).toEqual([1, 2, 3]);
  });

  it('refuses a study of more trials than a list has points, naming the count and the fix', () => {
    // AlgoPerf's runner would quietly run 3; repeating a point would run one configuration twice.
    const points: SearchSpace = parseSearchSpace([{ lr: 1 }, { lr: 2 }, { lr: 3 }], 'points.json');
    expectSpaceError(() => sampleHparams(points, { seed: 0, study: 0, count: 4 }), 'a list of 3 fixed points, fewer than the 4 trials asked for; pass trials 3 or fewer, or add points to the list');
  });

  it('returns nothing for count 0 and rejects a bad count', () => {
    expect(sampleHparams(space, { seed: 0, study: 0, count: 0 })).toEqual([]);
    expect(() => sampleHparams(space, { seed: 0, study: 0, count: -1 })).toThrow(/count must be a non-negative integer/);
  });
});
