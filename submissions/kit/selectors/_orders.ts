/**
 * Seeded orders of the training set shared by the selectors: epochs (or passes) are
 * permutations seeded by (seed, tag, index), as the harness's `EpochShuffler` seeds
 * its epochs with the tag 'epoch'. Selectors compute where a step falls in them from
 * the step alone; the cache only saves redrawing a permutation every step.
 */
import { createRng, deriveSeed, permutation } from '../rng.ts';

/** Remembers the last two permutations drawn (a window may span two passes). */
export class PermutationCache {
  private entries: Array<{ key: string; order: Int32Array }> = [];

  constructor(private readonly tag: string) {}

  /** The permutation of 0..n−1 for pass `index` of the trial seeded by `seed`. */
  get(seed: number, index: number, n: number): Int32Array {
    const key = `${seed}:${index}:${n}`;
    const hit = this.entries.find((e) => e.key === key);
    if (hit !== undefined) return hit.order;
    const order = permutation(n, createRng(deriveSeed(seed, this.tag, index)));
    this.entries = [{ key, order }, ...this.entries.slice(0, 1)];
    return order;
  }
}

/**
 * Window `w` of `size` examples over epochs walked as `EpochShuffler` walks them:
 * ⌊n/size⌋ windows per epoch, and the n mod size examples left at the end of an
 * epoch are skipped (a different few each epoch), so a window never repeats an example.
 */
export function epochWindow(cache: PermutationCache, seed: number, n: number, size: number, w: number): Int32Array {
  checkSize(size, n);
  const perEpoch = Math.floor(n / size);
  const epoch = Math.floor(w / perEpoch);
  const start = (w - epoch * perEpoch) * size;
  return cache.get(seed, epoch, n).slice(start, start + size);
}

/**
 * `count` examples from position `start` of an endless stream of chunks laid end to
 * end, each `length` long (`chunk(i)` gives chunk i): a window at a chunk boundary
 * takes the end of one chunk and the start of the next, so every chunk is used in full.
 */
export function streamWindow(chunk: (i: number) => Int32Array, length: number, start: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let filled = 0;
  while (filled < count) {
    const pos = start + filled;
    const index = Math.floor(pos / length);
    const offset = pos - index * length;
    const take = Math.min(count - filled, length - offset);
    out.set(chunk(index).subarray(offset, offset + take), filled);
    filled += take;
  }
  return out;
}

/** Rejects a batch or pool that the training set cannot fill without repeats. */
export function checkSize(size: number, n: number): void {
  if (!Number.isInteger(size) || size < 1 || size > n) {
    throw new RangeError(`selector: a batch or pool of ${size} examples does not fit a training set of ${n}`);
  }
}
