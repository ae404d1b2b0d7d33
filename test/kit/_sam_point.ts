/**
 * What SAM does with the perturbed point once the gradient there is taken, on whichever
 * path the active backend gives (the op path on cpu, SAM_PERTURB_KERNEL on native wasm):
 * the point's own tensors are freed within the step, so their memory can hold the base
 * optimizer's new state; a tensor of the point that the gradients hand back is kept (it
 * is the gradient the base step reads), and so is a parameter without a gradient, which
 * the point holds unperturbed (it is the caller's). Answers the tensors to check.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamTypes, TensorMap } from '../../harness/spec.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { updateAndApply } from '../../submissions/kit/transform.ts';

const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', frozen: 'weight' };

export interface PointAfterStep {
  readonly params: TensorMap;
  /** The point handed to gradAt. */
  readonly point: TensorMap;
  /** Its values, read inside gradAt. */
  readonly pointValues: Record<string, number[]>;
  /** The step's new parameters. */
  readonly next: TensorMap;
}

/** One SAM step (plain SGD, lr 0.1, rho 0.5) with weight's gradient the point's own tensor, bias's a new one, frozen without one. */
export function samStepKeepingPoint(): PointAfterStep {
  const params: TensorMap = { weight: tf.tensor1d([3, 0]), bias: tf.tensor1d([0, 4]), frozen: tf.tensor1d([7]) };
  const grads: TensorMap = { weight: tf.tensor1d([3, 0]), bias: tf.tensor1d([0, 4]) };
  let point: TensorMap = {};
  const pointValues: Record<string, number[]> = {};
  const gradAt = (at: TensorMap): TensorMap => {
    point = at;
    for (const [n, t] of Object.entries(at)) pointValues[n] = Array.from(t.dataSync());
    // The weight's gradient is the point's tensor itself (a gradient may be an input).
    return { weight: at.weight!, bias: tf.mul(at.bias!, 2) };
  };
  const opt = sam(sgd({ lr: 0.1 }), { rho: 0.5 });
  const { params: next } = updateAndApply(opt, grads, opt.init(params), params, { types: TYPES, gradAt });
  return { params, point, pointValues, next };
}
