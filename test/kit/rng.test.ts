/**
 * The seeded-rng primitives moved from the harness into the kit (submissions/kit/rng.ts)
 * so that kit selectors need no harness import. Trial seeds, data orders and every
 * stored result depend on them, so their outputs are pinned here to the values the
 * harness's implementation gave before the move (recorded once, from the commit
 * before it), and the harness must hand out the very same functions.
 */
import { describe, expect, it } from 'vitest';
import * as harnessRng from '../../harness/core/rng.ts';
import { createRng, deriveSeed, permutation } from '../../submissions/kit/rng.ts';

describe('the kit rng, bit for bit as before the move', () => {
  it('deriveSeed: numbers (also above 2^32), tags and indices', () => {
    expect(deriveSeed(0)).toBe(4289745439);
    expect(deriveSeed(1, 'epoch', 0)).toBe(1800184684);
    expect(deriveSeed(12345, 'data')).toBe(3343852256);
    expect(deriveSeed(2 ** 40 + 7, 'update', 99)).toBe(1046718510);
    expect(deriveSeed('x', -1)).toBe(1188791816);
  });

  it('createRng and permutation: the same stream and the same shuffle', () => {
    const rng = createRng(deriveSeed(7, 'init'));
    expect([rng.next(), rng.int(1000), rng.seed()]).toEqual([0.3197240487206727, 168, 3725105580]);
    expect(Array.from(permutation(10, createRng(deriveSeed(3, 'epoch', 2))))).toEqual([7, 3, 6, 8, 9, 0, 4, 1, 2, 5]);
  });

  it('the harness uses the kit’s functions, not a copy', () => {
    expect(harnessRng.deriveSeed).toBe(deriveSeed);
    expect(harnessRng.createRng).toBe(createRng);
    expect(harnessRng.permutation).toBe(permutation);
  });
});
