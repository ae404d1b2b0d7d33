/**
 * Easy-to-hard curriculum by current loss, with the competence pacing of Platanios
 * et al. 2019. Each step ranks a pool of P = min(trainSize, ⌈poolFactor·batch⌉)
 * candidates by loss at the current parameters and draws the batch uniformly, without
 * repeats (ctx.rng), from the K easiest, where K = min(P, max(batch, ⌈c·P⌉)) and the
 * competence c grows from startFraction (c₀) to 1 at totalSteps (T):
 * - linear: c = min(1, c₀ + (1 − c₀)·step/T)
 * - root:   c = min(1, √(c₀² + (1 − c₀²)·step/T))   (faster early, slower late)
 * At c = 1 the batch is a uniform draw from the pool: no curriculum is left.
 *
 * @example curriculum({ pacing: 'root', totalSteps: workload.budget.stepHint / 2 })
 */
import type { Schedule } from '../schedules.ts';
import { PermutationCache } from './_orders.ts';
import { candidatePool, checkPoolFactor, rankByLoss } from './_pool.ts';
import type { DataSelector } from './types.ts';

/** How fast the share of the pool a batch may come from grows. */
export type CurriculumPacing = 'linear' | 'root';

export interface CurriculumOptions {
  /** Candidates per step as a multiple of the batch size (capped at the training set). @default 4 */
  readonly poolFactor?: number;
  readonly pacing: CurriculumPacing;
  /** The competence at step 0: the easiest share of the pool allowed, in (0, 1]. @default 0.3 */
  readonly startFraction?: number;
  /** The step from which the whole pool is allowed; 0 or less starts there. */
  readonly totalSteps: number;
}

/** The competence c at each step (the rule above), as a schedule. */
export function curriculumCompetence(pacing: CurriculumPacing, startFraction: number, totalSteps: number): Schedule {
  const c0 = startFraction;
  return (step) => {
    const t = totalSteps <= 0 ? 1 : Math.min(1, Math.max(0, step) / totalSteps);
    return pacing === 'linear' ? c0 + (1 - c0) * t : Math.min(1, Math.sqrt(c0 * c0 + (1 - c0 * c0) * t));
  };
}

export function curriculum(options: CurriculumOptions): DataSelector {
  const { poolFactor = 4, pacing, startFraction = 0.3, totalSteps } = options;
  checkPoolFactor('curriculum', poolFactor);
  if (!(startFraction > 0 && startFraction <= 1)) {
    throw new RangeError(`curriculum: startFraction must be in (0, 1] (got ${startFraction})`);
  }
  const competence = curriculumCompetence(pacing, startFraction, totalSteps);
  const pools = new PermutationCache('pool');
  return (ctx) => {
    const candidates = candidatePool(pools, ctx, poolFactor);
    const ranked = rankByLoss(ctx.perExampleLoss(candidates));
    const size = candidates.length;
    // The small tolerance keeps ⌈0.3·10⌉ at 3 despite 0.3·10 = 3.0000000000000004.
    const allowed = Math.min(size, Math.max(ctx.batchSize, Math.ceil(competence(ctx.step) * size - 1e-9)));
    // A partial Fisher–Yates over the `allowed` easiest positions.
    const easiest = ranked.slice(0, allowed);
    const out = new Int32Array(ctx.batchSize);
    for (let i = 0; i < out.length; i++) {
      const j = i + ctx.rng.int(allowed - i);
      const pick = easiest[j]!;
      easiest[j] = easiest[i]!;
      easiest[i] = pick;
      out[i] = candidates[pick]!;
    }
    return out;
  };
}
