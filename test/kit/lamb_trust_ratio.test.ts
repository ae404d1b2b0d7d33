/**
 * LAMB's trust ratio taken in Adam's kernel (scaleByAdamWithNorms told the decay, as
 * `lamb` does; ADAM_MOMENTS_DOTS_KERNEL's `trustRatioDecay`) must give the bits of the
 * path that hands the three sums to scaleByDecayedTrustRatio's program: the same float32
 * ops in the same order. On wasm with the native kernels, 12 steps of both chains from
 * the same parameters (a decay mask that skips the bias and the norm scale, so the
 * rates differ per parameter; a zero bias, whose ratio is 1), compared bit for bit; and
 * the ratio form, every tensor in one call per step, is the one `lamb` runs.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { ADAM_MOMENTS_DOTS_KERNEL, type ParamTypes } from '../../harness/spec.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { scaleByLearningRate } from '../../submissions/kit/transforms/basic.ts';
import { scaleByAdamWithNorms, scaleByDecayedTrustRatio } from '../../submissions/kit/transforms/trust_ratio.ts';
import { chain, type GradientTransformation, updateAndApply } from '../../submissions/kit/transform.ts';

const SHAPES: Record<string, number[]> = { w: [37, 13], b: [13], norm: [13], v: [1000] };
const TYPES: ParamTypes = { w: 'weight', b: 'bias', norm: 'norm_scale', v: 'weight' };

describe.runIf(loadNativeAddon() !== undefined)('LAMB: the trust ratio from Adam\'s kernel', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // (Seeds from 1: tfjs takes a seed of 0 for none.)
  const run = (opt: GradientTransformation) => {
    let params: Record<string, tf.Tensor> = Object.fromEntries(Object.entries(SHAPES).map(([n, s], i) => [n, n === 'b' ? tf.zeros(s) : tf.randomNormal(s, 0, 0.5, 'float32', i + 1)]));
    let state = opt.init(params);
    for (let t = 0; t < 12; t++) {
      const grads = Object.fromEntries(Object.entries(SHAPES).map(([n, s], i) => [n, tf.randomNormal(s, 0, 0.1, 'float32', 1000 + 100 * t + i)]));
      const out = updateAndApply(opt, grads, state, params, { types: TYPES });
      tf.dispose(Object.values(grads));
      params = out.params;
      state = out.state;
    }
    return Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.dataSync() as Float32Array]));
  };

  it('gives the sums path\'s bits, decay 0.05 masked off biases and norms', () => {
    const options = { b1: 0.9, b2: 0.999, eps: 1e-6 };
    const withRatio = run(chain(scaleByAdamWithNorms({ ...options, trustRatio: { rate: 0.05, mask: 'no_bias_norm' } }), scaleByDecayedTrustRatio(0.05, 'no_bias_norm'), scaleByLearningRate(1e-2)));
    const withSums = run(chain(scaleByAdamWithNorms(options), scaleByDecayedTrustRatio(0.05, 'no_bias_norm'), scaleByLearningRate(1e-2)));
    for (const n of Object.keys(SHAPES)) {
      const a = withRatio[n]!;
      const b = withSums[n]!;
      expect(a.findIndex((x, i) => !Object.is(x, b[i])), `${n}: first element that differs`).toBe(-1);
    }
    // (the parameters moved, the zero bias too)
    expect(withRatio['b']!.some((x) => x !== 0)).toBe(true);
  });

  it('is the form lamb runs: the kernel hands back the ratio', () => {
    const runKernel = vi.spyOn(tf.engine(), 'runKernel');
    try {
      run(lamb({ lr: 1e-2, weightDecay: 0.05, decayMask: 'no_bias_norm' }));
      const calls = runKernel.mock.calls.filter(([name]) => name === ADAM_MOMENTS_DOTS_KERNEL);
      expect(calls.length).toBeGreaterThan(0);
      // One call per step for every tensor, with each tensor's decay (0 for the masked bias and norm).
      expect(calls.length).toBe(12);
      for (const [, inputs, attrs] of calls) {
        const a = attrs as Record<string, unknown>;
        expect(a['count']).toBe(Object.keys(SHAPES).length);
        expect(Object.keys(inputs as object).length).toBe(4 * Object.keys(SHAPES).length);
        expect(a['trustRatioDecays']).toEqual([0.05, 0, 0, 0.05]);
      }
    } finally {
      runKernel.mockRestore();
    }
  });
});
