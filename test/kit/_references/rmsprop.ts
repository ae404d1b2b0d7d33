/**
 * RMSProp and Adagrad in float64, in both conventions the kit offers.
 *
 * RMSProp, PyTorch's `torch.optim.RMSprop` documentation (alpha α):
 *   v ← αv + (1−α)g²;  ṽ = v;  centred: ḡ ← αḡ + (1−α)g, ṽ ← v − ḡ²
 *   μ > 0: b ← μb + g/(√ṽ + ε);  θ ← θ − γb       else θ ← θ − γ·g/(√ṽ + ε)
 * optax's `rmsprop` (eps_in_sqrt=True): s = g/√(ṽ + ε), and with momentum the trace
 * follows the learning rate: b ← μb + γs;  θ ← θ − b.
 *
 * Adagrad, PyTorch's `torch.optim.Adagrad` documentation (lr_decay 0):
 *   sum ← sum + g²  (sum₀ = initial_accumulator_value);  θ ← θ − γ·g/(√sum + ε)
 * optax's `adagrad`: θ ← θ − γ·g/√(sum + ε).
 */
import { buffers, type Lr, perParameter, type ReferenceOptimizer, type Specs } from './common.ts';

export interface RmspropReferenceOptions {
  lr: Lr;
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
  /** optax: ε under the root and γ inside the momentum; pytorch: neither. */
  convention: { epsInRoot: boolean; lrInsideMomentum: boolean };
}

export function rmspropReference(specs: Specs, o: RmspropReferenceOptions): ReferenceOptimizer {
  const vs = buffers();
  const gbars = buffers();
  const bs = buffers();
  return perParameter(specs, (theta, g, step, name) => {
    const v = vs(name, theta.length);
    const gbar = gbars(name, theta.length);
    const b = bs(name, theta.length);
    const gamma = o.lr(step);
    for (let k = 0; k < theta.length; k++) {
      v[k] = o.alpha * v[k]! + (1 - o.alpha) * g[k]! ** 2;
      let vTilde = v[k]!;
      if (o.centered) {
        gbar[k] = o.alpha * gbar[k]! + (1 - o.alpha) * g[k]!;
        vTilde -= gbar[k]! ** 2;
      }
      const s = g[k]! / (o.convention.epsInRoot ? Math.sqrt(vTilde + o.eps) : Math.sqrt(vTilde) + o.eps);
      if (o.momentum > 0 && o.convention.lrInsideMomentum) {
        b[k] = o.momentum * b[k]! + gamma * s;
        theta[k] = theta[k]! - b[k]!;
      } else if (o.momentum > 0) {
        b[k] = o.momentum * b[k]! + s;
        theta[k] = theta[k]! - gamma * b[k]!;
      } else {
        theta[k] = theta[k]! - gamma * s;
      }
    }
  });
}

export interface AdagradReferenceOptions {
  lr: Lr;
  initialAccumulator: number;
  eps: number;
  epsInRoot: boolean;
}

export function adagradReference(specs: Specs, o: AdagradReferenceOptions): ReferenceOptimizer {
  const sums = buffers(o.initialAccumulator);
  return perParameter(specs, (theta, g, step, name) => {
    const sum = sums(name, theta.length);
    for (let k = 0; k < theta.length; k++) {
      sum[k] = sum[k]! + g[k]! ** 2;
      const denom = o.epsInRoot ? Math.sqrt(sum[k]! + o.eps) : Math.sqrt(sum[k]!) + o.eps;
      theta[k] = theta[k]! - (o.lr(step) * g[k]!) / denom;
    }
  });
}
