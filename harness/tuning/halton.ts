/**
 * Scrambled Halton sequences: quasi-random points for hyperparameter search.
 *
 * Why Halton: a tuning study has few trials (5–100), and random search with so few
 * points leaves large holes and clumps. The first b^m points of the base-b radical
 * inverse fall exactly one in each of the b^m equal strata, so even a short study
 * covers every range evenly (AlgoPerf draws its trials the same way).
 *
 * Why scramble: unscrambled Halton gives every study the same points, and in higher
 * dimensions neighbouring prime bases are strongly correlated. We apply an
 * independent random permutation of the digits 0..b-1 at every digit position of
 * every dimension (random digit scrambling). A permutation per position is a
 * bijection on the digits of that position, so the first b^m points still land one
 * in each stratum of width b^-m: scrambling keeps the stratification.
 *
 * Digit 0 is permuted too (it is not pinned to 0). Pinning it would map index 0 to
 * the origin in every study (every range at its minimum, every choice at its first
 * value). Permuting it makes the trailing zero digits of every index map to random
 * digits, which is why the expansion is cut at a fixed number of digits: enough for
 * double precision in that base, after which more digits could not change the value.
 */
import { createRng, permutation } from '../core/rng.ts';

/** Largest double below 1, so that every coordinate lies in [0, 1). */
const BELOW_ONE = 1 - 2 ** -53;

/** The first `n` primes: the bases of an n-dimensional Halton sequence. */
export function firstPrimes(n: number): number[] {
  const primes: number[] = [];
  for (let candidate = 2; primes.length < n; candidate++) {
    let isPrime = true;
    for (const p of primes) {
      if (p * p > candidate) break;
      if (candidate % p === 0) {
        isPrime = false;
        break;
      }
    }
    if (isPrime) primes.push(candidate);
  }
  return primes;
}

/** Digits kept in base b: enough that b^-digits is below double resolution. */
export function digitsForBase(base: number): number {
  return Math.ceil(53 / Math.log2(base));
}

/**
 * The plain (unscrambled) radical inverse: the base-b digits of `index` mirrored
 * about the radix point. Index 0 maps to 0; indices 0..b^m-1 fill the b^m strata.
 */
export function radicalInverse(index: number, base: number): number {
  let value = 0;
  let scale = 1 / base;
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    value += (i % base) * scale;
    scale /= base;
  }
  return value;
}

/** A d-dimensional sequence: `point(i)` is the i-th point, each coordinate in [0, 1). */
export interface HaltonSequence {
  readonly dimensions: number;
  /** The prime base of each dimension, in order. */
  readonly bases: readonly number[];
  point(index: number): number[];
}

/**
 * A Halton sequence over the first `dimensions` primes. With a `seed` every digit
 * position of every dimension gets its own seeded permutation (see the file comment);
 * without one the sequence is the plain radical inverse, which tests use as a
 * reference.
 *
 * @example
 * const seq = haltonSequence(3, 1234);
 * const [lr, beta1, wd] = seq.point(0); // each in [0, 1)
 */
export function haltonSequence(dimensions: number, seed?: number): HaltonSequence {
  if (!Number.isInteger(dimensions) || dimensions < 0) {
    throw new RangeError(`halton: dimensions must be a non-negative integer, got ${dimensions}`);
  }
  const bases = firstPrimes(dimensions);
  if (seed === undefined) {
    return {
      dimensions,
      bases,
      point: (index) => {
        checkIndex(index);
        return bases.map((b) => radicalInverse(index, b));
      },
    };
  }
  const rng = createRng(seed);
  // perms[dim][position] is the digit permutation applied at that digit position.
  const perms = bases.map((b) => {
    const table: Int32Array[] = [];
    for (let k = 0; k < digitsForBase(b); k++) table.push(permutation(b, rng));
    return table;
  });
  return {
    dimensions,
    bases,
    point: (index) => {
      checkIndex(index);
      return bases.map((b, dim) => scrambledInverse(index, b, perms[dim] ?? []));
    },
  };
}

/**
 * Σ_k π_k(d_k) b^-(k+1) over a fixed number of digits, where d_k is the k-th base-b
 * digit of `index` (zero past its last digit). Summed from the least significant
 * digit up (Horner), so that rounding is as small as it can be.
 */
function scrambledInverse(index: number, base: number, perms: readonly Int32Array[]): number {
  const digits: number[] = [];
  let rest = index;
  for (let k = 0; k < perms.length; k++) {
    digits.push(rest % base);
    rest = Math.floor(rest / base);
  }
  let value = 0;
  for (let k = perms.length - 1; k >= 0; k--) {
    const digit = digits[k] ?? 0;
    value = (value + (perms[k]?.[digit] ?? digit)) / base;
  }
  return Math.min(value, BELOW_ONE);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`halton: index must be a non-negative integer, got ${index}`);
  }
}
