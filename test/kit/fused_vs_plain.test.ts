/**
 * Every optimizer of the conformance table on the wasm backend, once with the fused
 * kernels (the elementwise-program kernels, schedule-free's own kernel, and the Adam
 * kernel for the Adam family) and once through plain tfjs ops (fused ops switched off):
 * the same 6-step update trajectories to float32 tolerance, and the fused run does go
 * through the program (or schedule-free) kernel while the plain run never does. The float64 references of conformance.test.ts
 * pin the rules down on cpu; this pins the fused path to the plain one.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAMS_KERNEL, SCHEDULE_FREE_KERNEL } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { trajectory } from './_hygiene.ts';
import { OPTIMIZERS_UNDER_TEST } from './_optimizers_under_test.ts';

const STEPS = 6;
/** float32 rounding, compounded over a few steps; a wrong op is off by far more. */
const TOL = 1e-6;
const native = loadNativeAddon() !== undefined;
/** The kernels that run a rule's elementwise step: the program, or schedule-free's own. */
const FUSED_STEP_KERNELS: readonly string[] = [ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAMS_KERNEL, SCHEDULE_FREE_KERNEL];

function run(make: () => Parameters<typeof trajectory>[0], fused: boolean): { steps: number[][]; programCalls: number } {
  setFusedOpsEnabled(fused);
  const runKernel = vi.spyOn(tf.engine(), 'runKernel');
  try {
    const steps = trajectory(make(), STEPS);
    return { steps, programCalls: runKernel.mock.calls.filter(([name]) => FUSED_STEP_KERNELS.includes(name)).length };
  } finally {
    runKernel.mockRestore();
    setFusedOpsEnabled(true);
  }
}

describe.runIf(native)('each kit optimizer, fused kernels against plain ops (wasm)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it.each(OPTIMIZERS_UNDER_TEST)('$name', async ({ make }) => {
    await tf.setBackend('wasm');
    const fused = run(make, true);
    const plain = run(make, false);
    expect(fused.programCalls, 'calls of the elementwise-program (or schedule-free) kernel, fused').toBeGreaterThan(0);
    expect(plain.programCalls, 'calls of the elementwise-program (or schedule-free) kernel, plain').toBe(0);
    let worst = 0;
    let where = '';
    fused.steps.forEach((row, t) =>
      row.forEach((v, i) => {
        const ref = plain.steps[t]![i]!;
        const err = Math.abs(v - ref) / Math.max(1, Math.abs(ref));
        if (!(err <= worst)) [worst, where] = [err, `step ${t}, element ${i}: ${v} vs ${ref}`];
      }),
    );
    expect(worst, `worst relative difference at ${where}`).toBeLessThanOrEqual(TOL);
  });
});

if (!native) {
  describe('each kit optimizer, fused kernels against plain ops', () => {
    it.skip('needs the native addon (npm run build:native)', () => {});
  });
}
