/**
 * The conformance table: each kit optimizer with a set of options, and the float64
 * reference (test/kit/_references) that must follow the same trajectory. Every
 * convention option has a case whose numbers make it matter: a large eps where eps is
 * inside or outside a root, a nonzero decay where biases and norms are or are not
 * decayed, a schedule where the learning rate sits inside or outside a momentum.
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
import { SPECS } from './_least_squares.ts';
import { type AdamReferenceOptions, adamwReference, lambReference } from './_references/adam.ts';
import { adampReference } from './_references/adamp.ts';
import type { Lr, ReferenceOptimizer } from './_references/common.ts';
import { adafactorReference, type AdafactorReferenceOptions, lionReference } from './_references/lion_adafactor.ts';
import { adagradReference, rmspropReference, type RmspropReferenceOptions } from './_references/rmsprop.ts';
import { samReference, scheduleFreeReference, type ScheduleFreeReferenceOptions } from './_references/sam_schedule_free.ts';
import { sgdReference } from './_references/sgd.ts';
import { shampooReference, type ShampooReferenceOptions } from './_references/shampoo.ts';

export interface OptimizerUnderTest {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: () => ReferenceOptimizer;
  /** Built on `scaleByAdam`: also run through the fused native kernel and plain wasm ops. */
  readonly adamFamily?: boolean;
}

/** Warmup over 5 steps, then cosine decay to 0 at step 50, written here as a plain function. */
const warmupCosine =
  (peak: number): Lr =>
  (t) =>
    t < 5 ? (peak * (t + 1)) / 5 : peak * 0.5 * (1 + Math.cos((Math.PI * (t - 5)) / 45));
const constant =
  (lr: number): Lr =>
  () =>
    lr;

const ADAM: AdamReferenceOptions = { lr: constant(1e-2), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, mask: 'all', form: 'adamw' };
const adamRef = (o: Partial<AdamReferenceOptions>) => () => adamwReference(SPECS, { ...ADAM, ...o });

const PYTORCH_RMS = { epsInRoot: false, lrInsideMomentum: false };
const OPTAX_RMS = { epsInRoot: true, lrInsideMomentum: true };
const RMS: RmspropReferenceOptions = { lr: constant(1e-2), alpha: 0.9, eps: 1e-8, momentum: 0, centered: false, convention: OPTAX_RMS };
const rmsRef = (o: Partial<RmspropReferenceOptions>) => () => rmspropReference(SPECS, { ...RMS, ...o });

const AF: AdafactorReferenceOptions = {
  ...{ lr: constant(5e-2), c: 0.8, eps1: 1e-30, eps2: 1e-3, d: 1, momentum: 0, paramScale: true },
  ...{ wd: 0, mask: 'all', factorMin: 1 },
};
const afRef = (o: Partial<AdafactorReferenceOptions>) => () => adafactorReference(SPECS, { ...AF, ...o });

const SF: ScheduleFreeReferenceOptions = {
  ...{ lr: constant(0.02), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, mask: 'all', warmup: 0, r: 0, power: 2 },
};
const sfRef = (o: Partial<ScheduleFreeReferenceOptions>) => () => scheduleFreeReference(SPECS, { ...SF, ...o });

const SHAMPOO: ShampooReferenceOptions = { lr: 0.02, eps: 1e-4, updateEvery: 1, graft: 'adagrad', maxDim: 1024, wd: 0, mask: 'all' };
const shampooRef = (o: Partial<ShampooReferenceOptions>) => () => shampooReference(SPECS, { ...SHAMPOO, ...o });

const ADAMP = { lr: constant(1e-2), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, delta: 0.1, wdRatio: 0.1, nesterov: false };
const kitProjects = (type: string) => type === 'weight' || type === 'conv_weight';

export const OPTIMIZERS_UNDER_TEST: readonly OptimizerUnderTest[] = [
  // Adam, AdamW, NAdamW (PyTorch AdamW; AlgoPerf NAdamW; optax nadamw)
  { name: 'adam, defaults', make: () => adam({ lr: 1e-2 }), reference: adamRef({}), adamFamily: true },
  {
    name: 'adam, eps 1e-3 (outside the root), betas, schedule',
    make: () => adam({ lr: warmupCosine(3e-2), b1: 0.8, b2: 0.99, eps: 1e-3 }),
    reference: adamRef({ lr: warmupCosine(3e-2), b1: 0.8, b2: 0.99, eps: 1e-3 }),
    adamFamily: true,
  },
  {
    name: 'adamw, decay on every parameter (default), schedule',
    make: () => adamw({ lr: warmupCosine(3e-2), weightDecay: 0.5 }),
    reference: adamRef({ lr: warmupCosine(3e-2), wd: 0.5 }),
    adamFamily: true,
  },
  {
    name: "adamw, decayMask 'no_bias_norm'",
    make: () => adamw({ lr: 2e-2, weightDecay: 0.5, decayMask: 'no_bias_norm' }),
    reference: adamRef({ lr: constant(2e-2), wd: 0.5, mask: 'no_bias_norm' }),
    adamFamily: true,
  },
  {
    name: "nadamw, AlgoPerf's form (default), decay, schedule",
    make: () => nadamw({ lr: warmupCosine(3e-2), weightDecay: 0.5 }),
    reference: adamRef({ lr: warmupCosine(3e-2), wd: 0.5, form: 'nadamw_algoperf' }),
    adamFamily: true,
  },
  {
    name: "nadamw, AlgoPerf's form, betas, eps 1e-3, 'no_bias_norm'",
    make: () => nadamw({ lr: 2e-2, b1: 0.95, b2: 0.98, eps: 1e-3, weightDecay: 0.3, decayMask: 'no_bias_norm' }),
    reference: adamRef({ lr: constant(2e-2), b1: 0.95, b2: 0.98, eps: 1e-3, wd: 0.3, mask: 'no_bias_norm', form: 'nadamw_algoperf' }),
    adamFamily: true,
  },
  {
    name: "nadamw, nesterovForm 'optax', decay, schedule",
    make: () => nadamw({ lr: warmupCosine(3e-2), weightDecay: 0.5, nesterovForm: 'optax' }),
    reference: adamRef({ lr: warmupCosine(3e-2), wd: 0.5, form: 'nadamw_optax' }),
    adamFamily: true,
  },
  // LAMB (You et al. 2020; optax lamb)
  {
    name: 'lamb, defaults (eps 1e-6)',
    make: () => lamb({ lr: 2e-2 }),
    reference: () => lambReference(SPECS, { lr: constant(2e-2), b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0, mask: 'all' }),
    adamFamily: true,
  },
  {
    name: 'lamb, decay on every parameter, eps 1e-3, schedule',
    make: () => lamb({ lr: warmupCosine(5e-2), b1: 0.8, b2: 0.99, eps: 1e-3, weightDecay: 0.3 }),
    reference: () => lambReference(SPECS, { lr: warmupCosine(5e-2), b1: 0.8, b2: 0.99, eps: 1e-3, wd: 0.3, mask: 'all' }),
    adamFamily: true,
  },
  {
    name: "lamb, decayMask 'no_bias_norm'",
    make: () => lamb({ lr: 2e-2, weightDecay: 0.3, decayMask: 'no_bias_norm' }),
    reference: () => lambReference(SPECS, { lr: constant(2e-2), b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.3, mask: 'no_bias_norm' }),
    adamFamily: true,
  },
  // SGD, heavy ball, Nesterov (torch.optim.SGD)
  {
    name: 'sgd, plain, L2 decay on every parameter',
    make: () => sgd({ lr: 0.1, weightDecay: 0.1 }),
    reference: () => sgdReference(SPECS, { lr: constant(0.1), momentum: 0, nesterov: false, wd: 0.1, mask: 'all' }),
  },
  {
    name: 'heavyBall, decay, schedule',
    make: () => heavyBall({ lr: warmupCosine(0.05), momentum: 0.9, weightDecay: 0.1 }),
    reference: () => sgdReference(SPECS, { lr: warmupCosine(0.05), momentum: 0.9, nesterov: false, wd: 0.1, mask: 'all' }),
  },
  {
    name: 'nesterov, decay, schedule',
    make: () => nesterov({ lr: warmupCosine(0.05), momentum: 0.9, weightDecay: 0.1 }),
    reference: () => sgdReference(SPECS, { lr: warmupCosine(0.05), momentum: 0.9, nesterov: true, wd: 0.1, mask: 'all' }),
  },
  {
    name: "sgd, Nesterov, decayMask 'no_bias_norm'",
    make: () => sgd({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.2, decayMask: 'no_bias_norm' }),
    reference: () => sgdReference(SPECS, { lr: constant(0.05), momentum: 0.8, nesterov: true, wd: 0.2, mask: 'no_bias_norm' }),
  },
  // RMSProp (optax rmsprop; torch.optim.RMSprop)
  { name: 'rmsprop, defaults (optax)', make: () => rmsprop({ lr: 1e-2 }), reference: rmsRef({}) },
  {
    name: 'rmsprop, eps 1e-2 inside the root (optax)',
    make: () => rmsprop({ lr: 1e-2, eps: 1e-2 }),
    reference: rmsRef({ eps: 1e-2 }),
  },
  {
    name: 'rmsprop, PyTorch: eps 1e-2 outside, alpha 0.99, momentum after lr, schedule',
    make: () =>
      rmsprop({ lr: warmupCosine(1e-2), decay: 0.99, eps: 1e-2, epsInSqrt: false, momentum: 0.9, lrPlacement: 'after_momentum' }),
    reference: rmsRef({ lr: warmupCosine(1e-2), alpha: 0.99, eps: 1e-2, momentum: 0.9, convention: PYTORCH_RMS }),
  },
  {
    name: 'rmsprop, optax momentum (lr inside it), schedule',
    make: () => rmsprop({ lr: warmupCosine(1e-2), momentum: 0.9, decay: 0.95 }),
    reference: rmsRef({ lr: warmupCosine(1e-2), momentum: 0.9, alpha: 0.95 }),
  },
  {
    name: 'rmsprop, centred, optax',
    make: () => rmsprop({ lr: 5e-3, centered: true, eps: 1e-2 }),
    reference: rmsRef({ lr: constant(5e-3), centered: true, eps: 1e-2 }),
  },
  {
    name: 'rmsprop, centred, PyTorch, momentum',
    make: () =>
      rmsprop({ lr: 5e-3, centered: true, eps: 1e-2, epsInSqrt: false, momentum: 0.8, lrPlacement: 'after_momentum' }),
    reference: rmsRef({ lr: constant(5e-3), centered: true, eps: 1e-2, momentum: 0.8, convention: PYTORCH_RMS }),
  },
  // Adagrad (optax adagrad; torch.optim.Adagrad)
  {
    name: 'adagrad, defaults (optax: accumulator 0.1, eps 1e-7 inside)',
    make: () => adagrad({ lr: 0.1 }),
    reference: () => adagradReference(SPECS, { lr: constant(0.1), initialAccumulator: 0.1, eps: 1e-7, epsInRoot: true }),
  },
  {
    name: 'adagrad, eps 0.1 inside the root',
    make: () => adagrad({ lr: 0.1, eps: 0.1 }),
    reference: () => adagradReference(SPECS, { lr: constant(0.1), initialAccumulator: 0.1, eps: 0.1, epsInRoot: true }),
  },
  {
    name: 'adagrad, PyTorch defaults (accumulator 0, eps 1e-10 outside), schedule',
    make: () => adagrad({ lr: warmupCosine(0.1), initialAccumulator: 0, eps: 1e-10, epsInSqrt: false }),
    reference: () => adagradReference(SPECS, { lr: warmupCosine(0.1), initialAccumulator: 0, eps: 1e-10, epsInRoot: false }),
  },
  {
    name: 'adagrad, eps 0.1 outside the root',
    make: () => adagrad({ lr: 0.1, initialAccumulator: 0, eps: 0.1, epsInSqrt: false }),
    reference: () => adagradReference(SPECS, { lr: constant(0.1), initialAccumulator: 0, eps: 0.1, epsInRoot: false }),
  },
  // Lion (Chen et al. 2023)
  {
    name: 'lion, defaults',
    make: () => lion({ lr: 3e-3 }),
    reference: () => lionReference(SPECS, { lr: constant(3e-3), b1: 0.9, b2: 0.99, wd: 0, mask: 'all' }),
  },
  {
    name: 'lion, decay on every parameter, betas, schedule',
    make: () => lion({ lr: warmupCosine(5e-3), b1: 0.95, b2: 0.98, weightDecay: 0.5 }),
    reference: () => lionReference(SPECS, { lr: warmupCosine(5e-3), b1: 0.95, b2: 0.98, wd: 0.5, mask: 'all' }),
  },
  {
    name: "lion, decayMask 'no_bias_norm'",
    make: () => lion({ lr: 3e-3, weightDecay: 1, decayMask: 'no_bias_norm' }),
    reference: () => lionReference(SPECS, { lr: constant(3e-3), b1: 0.9, b2: 0.99, wd: 1, mask: 'no_bias_norm' }),
  },
  // Adafactor (Shazeer & Stern 2018; optax adafactor)
  { name: 'adafactor, defaults', make: () => adafactor({ lr: 5e-2 }), reference: afRef({}) },
  {
    name: 'adafactor, momentum, decay on every parameter, schedule',
    make: () => adafactor({ lr: warmupCosine(0.1), momentum: 0.9, weightDecay: 1e-2 }),
    reference: afRef({ lr: warmupCosine(0.1), momentum: 0.9, wd: 1e-2 }),
  },
  {
    name: "adafactor, decayMask 'no_bias_norm'",
    make: () => adafactor({ lr: 5e-2, weightDecay: 2e-2, decayMask: 'no_bias_norm' }),
    reference: afRef({ wd: 2e-2, mask: 'no_bias_norm' }),
  },
  {
    name: 'adafactor, tight clipping, decay rate 0.5, eps2 above RMS(p)',
    make: () => adafactor({ lr: 0.1, clipThreshold: 0.5, decayRate: 0.5, eps2: 0.9 }),
    reference: afRef({ lr: constant(0.1), d: 0.5, c: 0.5, eps2: 0.9 }),
  },
  {
    name: 'adafactor, absolute steps, no clipping',
    make: () => adafactor({ lr: 2e-2, multiplyByParameterScale: false, clipThreshold: Infinity }),
    reference: afRef({ lr: constant(2e-2), paramScale: false, d: Infinity }),
  },
  {
    name: 'adafactor, relative steps, no clipping',
    make: () => adafactor({ lr: 2e-2, clipThreshold: Infinity }),
    reference: afRef({ lr: constant(2e-2), d: Infinity }),
  },
  {
    name: 'adafactor, absolute steps, tight clipping',
    make: () => adafactor({ lr: 2e-2, multiplyByParameterScale: false, clipThreshold: 0.5 }),
    reference: afRef({ lr: constant(2e-2), paramScale: false, d: 0.5 }),
  },
  {
    name: "adafactor, optax's minDimSizeToFactor 128 (nothing factored)",
    make: () => adafactor({ lr: 5e-2, momentum: 0.5, minDimSizeToFactor: 128 }),
    reference: afRef({ momentum: 0.5, factorMin: 128 }),
  },
  // AdamP (clovaai/AdamP); its projection branches are pinned down in adamp.test.ts
  {
    name: 'adamp, defaults',
    make: () => adamp({ lr: 1e-2 }),
    reference: () => adampReference(SPECS, { ...ADAMP, projectable: kitProjects, mask: 'all' }),
  },
  {
    name: 'adamp, nesterov, decay on every parameter, schedule',
    make: () => adamp({ lr: warmupCosine(2e-2), nesterov: true, weightDecay: 0.5, delta: 0.3 }),
    reference: () =>
      adampReference(SPECS, { ...ADAMP, lr: warmupCosine(2e-2), nesterov: true, wd: 0.5, delta: 0.3, projectable: kitProjects, mask: 'all' }),
  },
  {
    name: "adamp, decayMask 'no_bias_norm', every matrix projectable",
    make: () => adamp({ lr: 1e-2, weightDecay: 0.5, decayMask: 'no_bias_norm', projectMask: () => true }),
    reference: () => adampReference(SPECS, { ...ADAMP, wd: 0.5, projectable: () => true, mask: 'no_bias_norm' }),
  },
  // SAM / ASAM (davda54/sam) around SGD and AdamW
  {
    name: 'sam around heavy-ball SGD',
    make: () => sam(sgd({ lr: 0.05, momentum: 0.9 }), { rho: 0.05 }),
    reference: () =>
      samReference(sgdReference(SPECS, { lr: constant(0.05), momentum: 0.9, nesterov: false, wd: 0, mask: 'all' }), {
        rho: 0.05,
        adaptive: false,
      }),
  },
  {
    name: 'sam around AdamW with decay',
    make: () => sam(adamw({ lr: 1e-2, weightDecay: 0.5 }), { rho: 0.1 }),
    reference: () => samReference(adamwReference(SPECS, { ...ADAM, wd: 0.5 }), { rho: 0.1, adaptive: false }),
    adamFamily: true,
  },
  {
    name: 'asam around Nesterov SGD with decay',
    make: () => sam(sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1 }), { rho: 0.2, adaptive: true }),
    reference: () =>
      samReference(sgdReference(SPECS, { lr: constant(0.05), momentum: 0.9, nesterov: true, wd: 0.1, mask: 'all' }), {
        rho: 0.2,
        adaptive: true,
      }),
  },
  {
    name: 'asam around AdamW with a schedule',
    make: () => sam(adamw({ lr: warmupCosine(2e-2) }), { rho: 0.5, adaptive: true }),
    reference: () => samReference(adamwReference(SPECS, { ...ADAM, lr: warmupCosine(2e-2) }), { rho: 0.5, adaptive: true }),
    adamFamily: true,
  },
  // Schedule-Free AdamW (facebookresearch/schedule_free; optax contrib)
  { name: 'scheduleFreeAdamw, defaults', make: () => scheduleFreeAdamw({ lr: 0.02 }), reference: sfRef({}) },
  {
    name: 'scheduleFreeAdamw, warmup, decay on every parameter',
    make: () => scheduleFreeAdamw({ lr: 0.03, warmupSteps: 5, weightDecay: 0.5, b1: 0.95 }),
    reference: sfRef({ lr: constant(0.03), warmup: 5, wd: 0.5, b1: 0.95 }),
  },
  {
    name: "scheduleFreeAdamw, decayMask 'no_bias_norm', r 1, lr power 1, eps 1e-3",
    make: () =>
      scheduleFreeAdamw({ lr: 0.05, warmupSteps: 10, r: 1, weightLrPower: 1, b1: 0.8, b2: 0.99, eps: 1e-3, weightDecay: 0.5, decayMask: 'no_bias_norm' }),
    reference: sfRef({ lr: constant(0.05), warmup: 10, r: 1, power: 1, b1: 0.8, b2: 0.99, eps: 1e-3, wd: 0.5, mask: 'no_bias_norm' }),
  },
  {
    name: 'scheduleFreeAdamw, a decaying lr schedule under the warmup',
    make: () => scheduleFreeAdamw({ lr: warmupCosine(0.04), warmupSteps: 4, weightDecay: 0.2 }),
    reference: sfRef({ lr: warmupCosine(0.04), warmup: 4, wd: 0.2 }),
  },
  // Shampoo (Gupta et al. 2018; Anil et al. 2020 grafting)
  { name: 'shampoo, no grafting', make: () => shampoo({ lr: 0.01, graftWith: 'none' }), reference: shampooRef({ lr: 0.01, graft: 'none' }) },
  { name: 'shampoo, AdaGrad grafting (default)', make: () => shampoo({ lr: 0.02 }), reference: shampooRef({}) },
  {
    name: 'shampoo, SGD grafting, moving averages, roots every 3 steps, decay on every parameter',
    make: () => shampoo({ lr: 0.02, b2: 0.9, updateEvery: 3, graftWith: 'sgd', weightDecay: 0.5 }),
    reference: shampooRef({ b2: 0.9, updateEvery: 3, graft: 'sgd', wd: 0.5 }),
  },
  {
    name: "shampoo, decayMask 'no_bias_norm', damping 1e-2, roots every 4 steps",
    make: () => shampoo({ lr: 0.03, eps: 1e-2, updateEvery: 4, weightDecay: 0.5, decayMask: 'no_bias_norm' }),
    reference: shampooRef({ lr: 0.03, eps: 1e-2, updateEvery: 4, wd: 0.5, mask: 'no_bias_norm' }),
  },
  {
    name: 'shampoo, maxDim 3: the 4×3 weight falls back to the diagonal',
    make: () => shampoo({ lr: 0.02, maxDim: 3, b2: 0.99 }),
    reference: shampooRef({ maxDim: 3, b2: 0.99 }),
  },
];
