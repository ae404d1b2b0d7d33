import { describe, expect, it } from 'vitest';
import { parseTimesTable, scoreTable } from '../../harness/scoring/index.ts';
import { expectCodedError } from '../_coded_error.ts';

const FILE = {
  hardware: 'ignored',
  submissions: {
    ref: { w1: [[10, 12], [11, null]], w2: [[100, 90], [null, null]], w3: [[5, 5], [5, 6]] },
    sub: { w1: [[20, null], [25, 22]], w2: [[200, null], [180, 150]] },
  },
};

function expectTimesError(json: unknown, fragment: string): void {
  expectCodedError(() => parseTimesTable(json, 'times.json'), 'E_TIMES_FILE', 'times file "times.json"', fragment);
}

describe('parseTimesTable', () => {
  it('reads null as a miss', () => {
    const t = parseTimesTable(FILE, 'times.json');
    expect(t.submissions['ref']?.['w1']).toEqual([[10, 12], [11, Infinity]]);
  });

  const bad: Array<[string, unknown, string]> = [
    ['a list', [], 'must be an object'],
    ['no submissions', { subs: {} }, '"submissions" must be an object'],
    ['empty submissions', { submissions: {} }, '"submissions" is empty'],
    ['a non-object submission', { submissions: { a: [] } }, '"submissions.a" must be an object'],
    ['no studies', { submissions: { a: { w: [] } } }, '"submissions.a.w" must be a non-empty list'],
    ['an empty study', { submissions: { a: { w: [[]] } } }, '"submissions.a.w[0]" must be a non-empty list'],
    ['ragged studies', { submissions: { a: { w: [[1, 2], [3]] } } }, '"submissions.a.w[1]" has 1 trials but'],
    ['a negative time', { submissions: { a: { w: [[1, -2]] } } }, '"submissions.a.w[0][1]" is -2'],
    ['a string time', { submissions: { a: { w: [['3']] } } }, '"submissions.a.w[0][0]" is "3"'],
    ['an infinite time', { submissions: { a: { w: [[1e999]] } } }, 'or null for missed'],
  ];
  it.each(bad)('rejects %s', (_label, json, fragment) => expectTimesError(json, fragment));
});

describe('scoreTable', () => {
  const table = parseTimesTable(FILE, 'times.json');

  it('scores every submission, writing misses as null', () => {
    const r = scoreTable(table);
    expect(r.workloads).toEqual(['w1', 'w2', 'w3']);
    expect(r.maxTau).toBe(4);
    // ref: w1 = median(10, 11) = 10.5, w2 = median(90, ∞) = ∞, w3 = 5.
    expect(r.submissions['ref']?.workloadTimes).toEqual({ w1: 10.5, w2: null, w3: 5 });
    // sub: w1 = median(20, 22) = 21, w2 = median(200, 150) = 175, w3 absent = missed.
    expect(r.submissions['sub']?.workloadTimes).toEqual({ w1: 21, w2: 175, w3: null });
    expect(r.submissions['ref']?.ratios).toEqual({ w1: 1, w2: null, w3: 1 });
    expect(r.submissions['sub']?.ratios).toEqual({ w1: 2, w2: 1, w3: null });
    expect(r.submissions['ref']?.score).toBeCloseTo(6 / 9, 12); // (3 + 0 + 3) / 9
    expect(r.submissions['sub']?.score).toBeCloseTo(5 / 9, 12); // (2 + 3 + 0) / 9
    expect(r.submissions['sub']?.rho).toEqual([[1, 1 / 3], [2, 2 / 3], [4, 2 / 3]]);
    expect(r.submissions['sub']?.ci).toBeUndefined();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('scores over a given workload list', () => {
    const r = scoreTable(table, { workloads: ['w1'] });
    expect(r.workloads).toEqual(['w1']);
    expect(r.submissions['sub']?.score).toBeCloseTo(2 / 3, 12);
  });

  it('adds bootstrap intervals on request, deterministically', () => {
    const a = scoreTable(table, { bootstrap: { seed: 4, resamples: 100 } });
    const b = scoreTable(table, { bootstrap: { seed: 4, resamples: 100 } });
    expect(a).toEqual(b);
    const ci = a.submissions['ref']?.ci;
    expect(ci?.resamples).toBe(100);
    expect(ci?.confidence).toBe(0.95);
    // w3 studies [5, 5] and [5, 6]: a resample may draw [6, 6] for the second → 5.5.
    const [w3lo, w3hi] = ci?.workloadTimes['w3'] ?? [NaN, NaN];
    expect(w3lo).toBe(5);
    expect(w3hi).toBeGreaterThanOrEqual(5);
    expect(w3hi).toBeLessThanOrEqual(6);
    const [lo, hi] = ci?.score ?? [NaN, NaN];
    expect(lo).toBeLessThanOrEqual(hi);
    expect(JSON.stringify(a)).not.toContain('Infinity');
  });
});
