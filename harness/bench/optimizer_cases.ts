/**
 * One case per optimizer the kit exports (submissions/kit/optimizers/*.ts), as a
 * submission would configure it, with the name of the same rule in
 * harness/bench/optimizers_torch.py. `algobench bench --optimizers` times each.
 */
import { adafactor } from '../../submissions/kit/optimizers/adafactor.ts';
import { adagrad } from '../../submissions/kit/optimizers/adagrad.ts';
import { adam, adamw, nadamw } from '../../submissions/kit/optimizers/adam.ts';
import { adamp } from '../../submissions/kit/optimizers/adamp.ts';
import { heavyBall } from '../../submissions/kit/optimizers/heavy_ball.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { lion } from '../../submissions/kit/optimizers/lion.ts';
import { nesterov } from '../../submissions/kit/optimizers/nesterov.ts';
import { rmsprop } from '../../submissions/kit/optimizers/rmsprop.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { shampoo } from '../../submissions/kit/optimizers/shampoo.ts';
import type { GradientTransformation } from '../../submissions/kit/transform.ts';

/** Shampoo's baseline recomputes its roots every this many steps (the PyTorch twin too). */
const SHAMPOO_UPDATE_EVERY = 100;

export interface OptimizerCase {
  /** The kit's factory (`adamw`, `heavyBall`, …): the test checks every export has a case. */
  readonly factory: string;
  /** How it is configured, in a few words. */
  readonly about: string;
  readonly make: () => GradientTransformation;
  /**
   * Updates over which the rule's work repeats (Shampoo's roots every `updateEvery`
   * steps); absent for a rule whose every update does the same work. A rule with a period
   * is timed over whole periods and its figure is the mean update, so the periodic work
   * counts (amortized) as it does in a trial's time-to-target; a median would hide it.
   */
  readonly period?: number;
  /** The same rule in optimizers_torch.py. */
  readonly torch: string;
}

/** The case every other is compared with: the kit's Adam(W), which runs as one fused kernel where the backend has it. */
export const REFERENCE_CASE = 'adamw';

export const OPTIMIZER_CASES: readonly OptimizerCase[] = [
  { factory: 'adam', about: 'lr 1e-3', make: () => adam({ lr: 1e-3 }), torch: 'adam' },
  { factory: 'adamw', about: 'lr 1e-3, decay 0.01', make: () => adamw({ lr: 1e-3, weightDecay: 0.01 }), torch: 'adamw' },
  { factory: 'nadamw', about: 'lr 1e-3, decay 0.01', make: () => nadamw({ lr: 1e-3, weightDecay: 0.01 }), torch: 'nadamw' },
  { factory: 'sgd', about: 'lr 0.1, no momentum', make: () => sgd({ lr: 0.1 }), torch: 'sgd' },
  { factory: 'heavyBall', about: 'lr 0.1, momentum 0.9', make: () => heavyBall({ lr: 0.1, momentum: 0.9 }), torch: 'heavy_ball' },
  { factory: 'nesterov', about: 'lr 0.1, momentum 0.9', make: () => nesterov({ lr: 0.1, momentum: 0.9 }), torch: 'nesterov' },
  {
    factory: 'rmsprop',
    about: "PyTorch's form: alpha 0.99, eps outside the root",
    make: () => rmsprop({ lr: 1e-3, decay: 0.99, eps: 1e-8, epsInSqrt: false }),
    torch: 'rmsprop',
  },
  {
    factory: 'adagrad',
    about: "PyTorch's form: accumulator 0, eps 1e-10 outside the root",
    make: () => adagrad({ lr: 1e-2, initialAccumulator: 0, eps: 1e-10, epsInSqrt: false }),
    torch: 'adagrad',
  },
  { factory: 'lion', about: 'lr 1e-4, decay 0.1', make: () => lion({ lr: 1e-4, weightDecay: 0.1 }), torch: 'lion' },
  { factory: 'lamb', about: 'lr 1e-3, decay 0.01', make: () => lamb({ lr: 1e-3, weightDecay: 0.01 }), torch: 'lamb' },
  { factory: 'adafactor', about: 'lr 1e-2, every matrix factored', make: () => adafactor({ lr: 1e-2 }), torch: 'adafactor' },
  { factory: 'adamp', about: 'lr 1e-3, projection on weights', make: () => adamp({ lr: 1e-3 }), torch: 'adamp' },
  // SAM's update on both sides: the gradient norm, the perturbed point p + rho·g/‖g‖
  // (computed, then unused), and the base AdamW step with the same fixed gradients. No
  // second forward and backward pass is timed on either side: the kit's gradAt returns
  // the fixed gradients, and optimizers_torch.py's sam_adamw computes none.
  {
    factory: 'sam',
    about: 'around AdamW, rho 0.05 (the second gradient is the fixed one)',
    make: () => sam(adamw({ lr: 1e-3, weightDecay: 0.01 }), { rho: 0.05 }),
    torch: 'sam_adamw',
  },
  { factory: 'scheduleFreeAdamw', about: 'lr 1e-3', make: () => scheduleFreeAdamw({ lr: 1e-3 }), torch: 'schedule_free_adamw' },
  {
    factory: 'shampoo',
    about: "the baseline's settings: b2 0.99, roots every 100 steps, sides ≤ 300",
    make: () => shampoo({ lr: 0.05, b2: 0.99, eps: 1e-4, updateEvery: SHAMPOO_UPDATE_EVERY, maxDim: 300, graftWith: 'adagrad' }),
    period: SHAMPOO_UPDATE_EVERY,
    torch: 'shampoo',
  },
];
