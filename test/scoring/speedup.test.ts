import { describe, expect, it } from 'vitest';
import { AlgobenchError } from '../../harness/core/errors.ts';
import { geomeanSpeedup } from '../../harness/scoring/speedup.ts';

describe('geomeanSpeedup', () => {
  it('is the geometric mean of t_ref / t_sub', () => {
    const r = geomeanSpeedup({
      submission: { a: 50, b: 200 },
      reference: { a: 100, b: 100 },
      budgets: { a: 1000, b: 1000 },
      workloads: ['a', 'b'],
    });
    expect(r.perWorkload).toEqual({ a: 2, b: 0.5 });
    expect(r.geomean).toBeCloseTo(1, 12);
  });

  it('replaces a miss by budget + 1 s', () => {
    const r = geomeanSpeedup({
      submission: { a: 50, b: Infinity },
      reference: { a: 100, b: 100 },
      budgets: { a: 200, b: 200 },
      workloads: ['a', 'b'],
    });
    expect(r.perWorkload['b']).toBeCloseTo(100 / 201, 12);
    expect(r.geomean).toBeCloseTo(Math.sqrt((2 * 100) / 201), 12);
  });

  it('gives 1 when both missed, and treats an absent workload as missed', () => {
    const r = geomeanSpeedup({
      submission: { a: Infinity },
      reference: { b: 30 },
      budgets: { a: 60, b: 60 },
      workloads: ['a', 'b'],
    });
    expect(r.perWorkload).toEqual({ a: 1, b: 30 / 61 });
  });

  it('needs a budget for every workload', () => {
    expect(() =>
      geomeanSpeedup({ submission: { a: 1 }, reference: { a: 1 }, budgets: {}, workloads: ['a'] }),
    ).toThrow(AlgobenchError);
  });
});
