/**
 * The trial's seeded randomness, for harness code. The primitives are the kit's
 * (submissions/kit/rng.ts): the kit's selectors must reproduce the harness's epoch
 * order, and a kit file may import nothing of the harness but the contract, so the
 * one copy lives in the kit and the harness takes it from there.
 */
export { createRng, deriveSeed, permutation } from '../../submissions/kit/rng.ts';
