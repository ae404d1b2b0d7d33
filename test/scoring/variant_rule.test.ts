/**
 * AlgoPerf v0.5's held-out-workload rule, pass by pass as performance_profile.py does
 * it: (1) a variant beside a missed base is a miss, (2) every time over 4× its
 * column's fastest is a miss, (3) a base whose variant is a miss (or not run) is
 * voided. Every expectation is worked out by hand in the comment above it.
 */
import { describe, expect, it } from 'vitest';
import { applyVariantRule } from '../../harness/scoring/variant_rule.ts';

const INF = Infinity;
const W = { w: ['w:v'] };

describe('the variant rule', () => {
  it('voids a base time whose variant is over 4× the fastest time on the variant (requirement 4)', () => {
    // w:v fastest 10 (a); b's 100 > 4 × 10 = 40 → miss → b's w voided. b's w 20 ≤ 4 × 10 stands before that.
    const r = applyVariantRule({ a: { w: 10, 'w:v': 10 }, b: { w: 20, 'w:v': 100 } }, W);
    expect(r.times).toEqual({ a: { w: 10 }, b: { w: INF } });
    expect(r.voids).toEqual({ b: { w: { variants: [{ column: 'w:v', why: 'over 4×', fastest: 10 }] } } });
  });

  it('takes the fastest variant time over the submissions that reached the base (pass 1)', () => {
    // c missed w, so its 2 s on w:v is a miss before the fastest is taken: fastest w:v = a's 10,
    // and a's 10 ≤ 40 stands. (Taken over everyone, 10 > 4 × 2 = 8 would void a.)
    const r = applyVariantRule({ a: { w: 10, 'w:v': 10 }, c: { w: INF, 'w:v': 2 } }, W);
    expect(r.times).toEqual({ a: { w: 10 }, c: { w: INF } });
    expect(r.voids).toEqual({});
  });

  it('cuts a base time at 4× the fastest base time taken before voiding (pass 2 before pass 3)', () => {
    // Fastest w = a's 10 (a is voided only in pass 3, for its missed w:v): c's 45 > 40 → miss,
    // b's 30 stands. Fastest w:v = b's 30: 45 ≤ 120 passes.
    const r = applyVariantRule({ a: { w: 10, 'w:v': INF }, b: { w: 30, 'w:v': 30 }, c: { w: 45, 'w:v': 45 } }, W);
    expect(r.times).toEqual({ a: { w: INF }, b: { w: 30 }, c: { w: INF } });
    expect(r.voids).toEqual({
      a: { w: { variants: [{ column: 'w:v', why: 'missed' }] } },
      c: { w: { variants: [], overFastest: 10 } },
    });
  });

  it('voids a base time whose variant was not run, and leaves a base without variants to the 4× cut', () => {
    // d did not run w:v → voided. x has no variants: only pass 2, fastest x = 1, e's 3 ≤ 4 stands.
    const r = applyVariantRule({ d: { w: 5, x: 1 }, e: { w: 6, 'w:v': 6, x: 3 } }, { w: ['w:v'], x: [] });
    expect(r.times).toEqual({ d: { w: INF, x: 1 }, e: { w: 6, x: 3 } });
    expect(r.voids).toEqual({ d: { w: { variants: [{ column: 'w:v', why: 'not run' }] } } });
  });
});
