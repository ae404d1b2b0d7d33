/**
 * Every kit optimizer, and each convention option, against an independent float64
 * reference (test/kit/_references, written from the papers, PyTorch's documented
 * pseudo-code, and AlgoPerf's baselines, never from the kit), after optax's
 * `alias_test.py`: one table, `OPTIMIZERS_UNDER_TEST`, of (name, kit factory with
 * options, reference), all run for 50 steps on the same least-squares problem
 * (test/kit/_least_squares.ts) and compared at every step.
 *
 * Tolerance: |kit − reference| / max(1, |reference|) ≤ 2e-5 at every step and
 * parameter. The kit computes in float32, so a correct optimizer stays within a few
 * 1e-6 over 50 steps here (see the measured margins in docs/kit.md); a wrong bias
 * correction, eps placement, decay mask, momentum form or lr placement, each with
 * options chosen so that it matters, is off by 1e-4 or (mostly) far more.
 *
 * The optimizers built on `scaleByAdam` also run on the wasm backend, once through
 * algobench's fused native Adam kernel and once through plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADAM_MOMENTS_KERNEL } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { runAgainstReference } from './_least_squares.ts';
import { OPTIMIZERS_UNDER_TEST } from './_optimizers_under_test.ts';

const TOL = 2e-5;

beforeAll(async () => {
  await selectBackend('wasm');
  await tf.setBackend('cpu');
});

afterEach(async () => {
  setFusedOpsEnabled(true);
  await tf.setBackend('cpu');
});

describe('kit optimizers against float64 references, 50 steps (cpu backend)', () => {
  it.each(OPTIMIZERS_UNDER_TEST)('$name', ({ make, reference }) => {
    const ref = reference();
    const { worst, moved, tensorDrift } = runAgainstReference(make(), ref);
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);
    expect(moved, 'the parameters moved well beyond the tolerance').toBeGreaterThan(0.05);
    // sign(): float32 and float64 agree only while no argument is near 0.
    if (ref.signMargin) expect(ref.signMargin()).toBeGreaterThan(1e-5);
    expect(tensorDrift, 'tensors piled up over the steps').toBe(0);
  });
});

const ADAM_FAMILY = OPTIMIZERS_UNDER_TEST.filter((c) => c.adamFamily);
const native = loadNativeAddon() !== undefined;

describe.runIf(native)('the Adam family on wasm: fused native kernel and plain ops', () => {
  it.each(ADAM_FAMILY.flatMap((c) => [true, false].map((fused) => ({ ...c, fused }))))(
    '$name, fused $fused',
    async ({ make, reference, fused }) => {
      await tf.setBackend('wasm');
      setFusedOpsEnabled(fused);
      expect(tf.getKernel(ADAM_MOMENTS_KERNEL, 'wasm'), 'the native kernels are registered').toBeDefined();
      const runKernel = vi.spyOn(tf.engine(), 'runKernel');
      try {
        const { worst } = runAgainstReference(make(), reference());
        expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);
        const fusedCalls = runKernel.mock.calls.filter(([name]) => name === ADAM_MOMENTS_KERNEL).length;
        if (fused) expect(fusedCalls).toBeGreaterThan(0);
        else expect(fusedCalls).toBe(0);
      } finally {
        runKernel.mockRestore();
      }
    },
  );
});

if (!native) {
  describe('the Adam family on wasm', () => {
    it.skip('needs the native addon (npm run build:native) for the fused kernel', () => {});
  });
}
