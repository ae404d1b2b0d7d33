/**
 * `updateAndApply` (how defineSubmission steps, and what `bench --optimizers` times)
 * against its definition, `applyUpdates(params, update(…).updates)`: for every
 * optimizer of the conformance table, the same new parameters and state bit for bit
 * over several steps, on the wasm backend with the fused kernels and through plain
 * ops. With the fused kernels, the last elementwise program adds the parameters
 * itself: no separate Add kernel runs per parameter. Donated (`updateAndApply(…, true)`,
 * as defineSubmission steps), it may write them into the old tensors' memory: still
 * the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import type { OptState, TensorMap } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { applyUpdates, type GradientTransformation, updateAndApply, type UpdateInfo } from '../../submissions/kit/transform.ts';
import { disposeReplaced } from './_advanced_fixtures.ts';
import { encodeState, freshParams, valuesOf } from './_hygiene.ts';
import { gradient, SPECS, TYPES } from './_least_squares.ts';
import { OPTIMIZERS_UNDER_TEST } from './_optimizers_under_test.ts';
import type { Values } from './_references/common.ts';

const STEPS = 4;
const NAMES = Object.keys(SPECS);
const native = loadNativeAddon() !== undefined;

const read = (m: TensorMap): Values => Object.fromEntries(NAMES.map((n) => [n, Float64Array.from(m[n]!.dataSync())]));
const toTensors = (v: Values): TensorMap => Object.fromEntries(NAMES.map((n) => [n, tf.tensor(Float32Array.from(v[n]!), [...SPECS[n]!.shape])]));

type Step = (opt: GradientTransformation, grads: TensorMap, state: OptState, params: TensorMap, info: UpdateInfo) => { params: TensorMap; state: OptState };

/** The definition: the updates, then applyUpdates. */
const separately: Step = (opt, grads, state, params, info) => {
  const out = opt.update(grads, state, params, info);
  return { params: applyUpdates(params, out.updates), state: out.state };
};

/** As defineSubmission steps under the harness: params and state donated (path() disposes the old ones after each step). */
const donated: Step = (opt, grads, state, params, info) => updateAndApply(opt, grads, state, params, info, true);

/** STEPS steps on the least-squares problem: each step's new parameters and state as plain values, and the Add kernels run. */
function path(make: () => GradientTransformation, step: Step, fused: boolean): { steps: unknown[]; adds: number } {
  setFusedOpsEnabled(fused);
  const opt = make();
  let params = freshParams();
  let state = opt.init(params);
  const steps: unknown[] = [];
  const runKernel = vi.spyOn(tf.engine(), 'runKernel');
  try {
    for (let t = 0; t < STEPS; t++) {
      const grads = toTensors(gradient(read(params), t));
      const gradAt = (at: TensorMap): TensorMap => toTensors(gradient(read(at), t));
      const next = tf.tidy(() => step(opt, grads, state, params, { types: TYPES, gradAt }) as unknown as tf.TensorContainer) as unknown as {
        params: TensorMap;
        state: OptState;
      };
      steps.push({ params: valuesOf(next.params), state: encodeState(next.state) });
      disposeReplaced({ params, state, grads } as unknown as tf.TensorContainer, next as unknown as tf.TensorContainer);
      ({ params, state } = next);
    }
    return { steps, adds: runKernel.mock.calls.filter(([name]) => name === 'Add').length };
  } finally {
    runKernel.mockRestore();
    setFusedOpsEnabled(true);
    tf.dispose([params as unknown as tf.TensorContainer, state]);
  }
}

describe.runIf(native)('updateAndApply against update + applyUpdates (wasm)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it.each(OPTIMIZERS_UNDER_TEST)('$name: the same bits, fused and plain', async ({ make }) => {
    await tf.setBackend('wasm');
    for (const fused of [true, false]) {
      const definition = path(make, separately, fused);
      const together = path(make, updateAndApply, fused);
      expect(together.steps, fused ? 'fused' : 'plain').toEqual(definition.steps);
      // Every optimizer of the kit ends in elementwise work (the lr, at least).
      if (fused) expect(definition.adds - together.adds, 'Add kernels saved: one per parameter and step').toBe(STEPS * NAMES.length);
    }
  });

  it.each(OPTIMIZERS_UNDER_TEST)('$name: the same bits with params and state donated (written in place)', async ({ make }) => {
    await tf.setBackend('wasm');
    for (const fused of [true, false]) {
      expect(path(make, donated, fused).steps, fused ? 'fused' : 'plain').toEqual(path(make, separately, fused).steps);
    }
  });
});

if (!native) {
  describe('updateAndApply against update + applyUpdates', () => {
    it.skip('needs the native addon (npm run build:native)', () => {});
  });
}
