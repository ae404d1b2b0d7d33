/**
 * The trial's seeded randomness, for harness code. The primitives are the kit's
 * (submissions/kit/rng.ts): the kit's selectors must reproduce the harness's epoch
 * order, and a kit file may import nothing of the harness but the contract, so the
 * one copy lives in the kit and the harness takes it from there.
 */
import { deriveSeed } from '../../submissions/kit/rng.ts';

export { createRng, deriveSeed, permutation } from '../../submissions/kit/rng.ts';

/**
 * A trial's seed: the base seed mixed with what places the trial (a purpose tag such
 * as 'tune', the workload and variant, the study and trial numbers), folded into 31
 * bits so that it stays a positive integer wherever it is stored or passed on. Every
 * trial seed of algobench comes from here; `run`'s are `trialSeed(base, workload,
 * variant, study, trial)` (see runTrialSeed).
 */
export function trialSeed(baseSeed: number, ...place: Array<number | string>): number {
  return deriveSeed(baseSeed, ...place) % 2 ** 31;
}

/** The seed `run` gives trial `trial` of study `study` on a workload (verify-targets reuses it). */
export function runTrialSeed(baseSeed: number, workload: { readonly name: string; readonly variant: string }, study: number, trial: number): number {
  return trialSeed(baseSeed, workload.name, workload.variant, study, trial);
}
