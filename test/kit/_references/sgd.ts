/**
 * SGD in float64 from PyTorch's `torch.optim.SGD` documentation, dampening τ = 0:
 *   g ← g + λθ                                    (weight_decay λ ≠ 0)
 *   b ← g at the first step, else b ← μb + (1−τ)g (momentum μ ≠ 0)
 *   g ← g + μb (nesterov) or g ← b
 *   θ ← θ − γg
 * AlgoPerf's momentum and Nesterov baselines are this (PyTorch) and optax's
 * `chain(add_decayed_weights(λ), sgd(γ, μ, nesterov))`, which is the same rule.
 */
import { buffers, decays, type Lr, type MaskName, perParameter, type ReferenceOptimizer, type Specs } from './common.ts';

export interface SgdReferenceOptions {
  lr: Lr;
  momentum: number;
  nesterov: boolean;
  wd: number;
  mask: MaskName;
}

export function sgdReference(specs: Specs, o: SgdReferenceOptions): ReferenceOptimizer {
  const bs = buffers();
  return perParameter(specs, (theta, grad, step, name, spec) => {
    const b = bs(name, theta.length);
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < theta.length; k++) {
      let g = grad[k]! + lambda * theta[k]!;
      if (o.momentum !== 0) {
        b[k] = step === 0 ? g : o.momentum * b[k]! + g;
        g = o.nesterov ? g + o.momentum * b[k]! : b[k]!;
      }
      theta[k] = theta[k]! - o.lr(step) * g;
    }
  });
}
