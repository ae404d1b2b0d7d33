/**
 * Seeded randomness. Every random choice in a trial comes from a seed derived from
 * the trial seed and a purpose tag (and the step), so that the same seed gives the
 * same data order, the same per-step numbers and the same steps-to-target, whatever
 * else ran before in the process.
 *
 * The one copy lives in the kit, not the harness: the kit's selectors must draw
 * exactly the epochs the harness's default shuffle draws, and a kit file has to run
 * from a submission's own folder, which may import the kit and the contract but no
 * harness code. The harness takes these from here (harness → kit is allowed).
 * `deriveSeed`'s output seeds every stored result: keep it bit for bit.
 */
import type { Rng } from '../../harness/spec.ts';

/** Mixes 32-bit words into one seed (murmur3 finaliser over each word). */
export function deriveSeed(...parts: Array<number | string>): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const words = typeof part === 'number' ? [part >>> 0, Math.floor(part / 2 ** 32) >>> 0] : stringWords(part);
    for (const w of words) {
      h = Math.imul(h ^ w, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

function stringWords(s: string): number[] {
  const words: number[] = [s.length];
  for (let i = 0; i < s.length; i++) words.push(s.charCodeAt(i));
  return words;
}

/** mulberry32: small, fast, and good enough for shuffles and sampling. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
