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
 * algobench's fused native Adam kernel and once through plain tfjs ops; every other
 * optimizer runs there once more with the fused kernels.
 *
 * The same table drives the state-hygiene suite (optax's contract of pure functions
 * over explicit state): init leaves the parameters alone; every update returns one
 * update per parameter of its shape and dtype, leaves the state, parameters and
 * gradients it was given untouched, leaks no tensor, and keeps the state's form; the
 * state survives structured clone and JSON and the optimizer goes on from the copy
 * exactly as from the original; two instances given the same inputs agree bit for bit.
 * And the table holds every optimizer the kit exports.
 */
import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAM_MOMENTS_KERNEL } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import type { OptState, TensorMap } from '../../harness/spec.ts';
import {
  decodeState,
  encodeState,
  formOf,
  freshParams,
  recordedInit,
  recordedStep,
  trajectory,
} from './_hygiene.ts';
import { disposeReplaced } from './_advanced_fixtures.ts';
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

describe('every optimizer the kit exports is in the table', () => {
  it('each exported function of submissions/kit/optimizers/*.ts names at least one case', async () => {
    const dir = new URL('../../submissions/kit/optimizers/', import.meta.url);
    const factories: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      factories.push(...Object.entries(module).filter(([, v]) => typeof v === 'function').map(([name]) => name));
    }
    expect(factories).toEqual(expect.arrayContaining(['heavyBall', 'nesterov', 'sam', 'adam', 'shampoo']));
    const names = OPTIMIZERS_UNDER_TEST.map((c) => c.name);
    const missing = factories.filter((f) => !names.some((n) => n.startsWith(`${f},`) || n.startsWith(`${f} `)));
    expect(missing, 'optimizers with no case in OPTIMIZERS_UNDER_TEST').toEqual([]);
  });
});

const HYGIENE_STEPS = 6;
/** After this step, optimizers with prepareForEval are prepared, as before an eval. */
const EVAL_AFTER = 2;

describe('state hygiene of every kit optimizer (cpu backend)', () => {
  it.each(OPTIMIZERS_UNDER_TEST)('$name: init leaves the parameters alone and leaks nothing', ({ make }) => {
    const params = freshParams();
    const before = formOf(params, true);
    const { state, leaked, paramsAfter } = recordedInit(make(), params);
    expect(paramsAfter, 'the parameters after init').toEqual(before);
    expect(leaked, 'tensors init left behind besides its state').toBe(0);
    tf.dispose([params as unknown as tf.TensorContainer, state]);
  });

  it.each(OPTIMIZERS_UNDER_TEST)(
    '$name: each update is shaped like the parameters, touches no input, leaks nothing, keeps the state\'s form',
    ({ make }) => {
      const opt = make();
      let params: TensorMap = freshParams();
      let state: OptState = opt.init(params);
      const form = formOf(state);
      const paramForm = formOf(params);
      const start = tf.memory().numTensors;
      for (let t = 0; t < HYGIENE_STEPS; t++) {
        const step = recordedStep(opt, params, state, t);
        const { updates, leaked, inputsBefore, inputsAfter } = step.record;
        expect(formOf(updates), `step ${t}: updates' names, dtypes and shapes`).toEqual(paramForm);
        expect(inputsAfter, `step ${t}: the params, state and gradients update was given`).toEqual(inputsBefore);
        expect(leaked, `step ${t}: tensors the step left behind`).toBe(0);
        expect(formOf(step.state), `step ${t}: the state's form`).toEqual(form);
        tf.dispose(Object.values(updates));
        ({ params, state } = step);
        if (t === EVAL_AFTER && opt.prepareForEval !== undefined) {
          const current = { params, state };
          const before = formOf(current, true);
          const known = new Set(tf.tensor_util.getTensorsInContainer(current as unknown as tf.TensorContainer).map((x) => x.id));
          const count = tf.memory().numTensors;
          const out = tf.tidy(() => opt.prepareForEval!(params, state) as unknown as tf.TensorContainer) as unknown as typeof current;
          const fresh = new Set(tf.tensor_util.getTensorsInContainer(out as unknown as tf.TensorContainer).filter((x) => !known.has(x.id)).map((x) => x.id));
          expect(tf.memory().numTensors - count - fresh.size, 'tensors prepareForEval left behind').toBe(0);
          expect(formOf(current, true), 'the params and state prepareForEval was given').toEqual(before);
          expect(formOf(out.params), 'evaluated params').toEqual(paramForm);
          expect(formOf(out.state), "the state's form after prepareForEval").toEqual(form);
          disposeReplaced(current as unknown as tf.TensorContainer, out as unknown as tf.TensorContainer);
          ({ params, state } = out);
        }
        // Steady: the tensors alive are the params' and the state's, the same number every step.
        if (t === 0) expect(tf.memory().numTensors - start, 'tensors held after the first step').toBe(0);
      }
      expect(tf.memory().numTensors - start, 'tensors held after the last step').toBe(0);
      tf.dispose([params as unknown as tf.TensorContainer, state]);
    },
  );

  it.each(OPTIMIZERS_UNDER_TEST)(
    '$name: the state survives structured clone and JSON, and training goes on from the copy identically',
    ({ make }) => {
      const opt = make();
      let params: TensorMap = freshParams();
      let state: OptState = opt.init(params);
      for (let t = 0; t < 3; t++) {
        const step = recordedStep(opt, params, state, t);
        tf.dispose(Object.values(step.record.updates));
        ({ params, state } = step);
      }
      const encoded = encodeState(state);
      const copies = {
        'structured clone': structuredClone(encoded),
        JSON: JSON.parse(JSON.stringify(encoded)) as unknown,
      };
      const copyParams = () => Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.clone()])) as TensorMap;
      const runs = Object.entries(copies).map(([how, copy]) => {
        const restored = decodeState(copy);
        expect(encodeState(restored), `${how}: the restored state`).toEqual(encoded);
        return [how, trajectory(opt, 3, { params: copyParams(), state: restored, t0: 3 })] as const;
      });
      const original = trajectory(opt, 3, { params, state, t0: 3 });
      for (const [how, run] of runs) expect(run, `${how}: updates after the restore`).toEqual(original);
    },
  );

  it.each(OPTIMIZERS_UNDER_TEST)('$name: deterministic, two instances agree bit for bit', ({ make }) => {
    const first = trajectory(make(), HYGIENE_STEPS);
    const second = trajectory(make(), HYGIENE_STEPS);
    expect(first.flat().every(Number.isFinite)).toBe(true);
    expect(second).toEqual(first);
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
        // (LAMB's Adam runs as Adam's kernel with its trust-ratio sums.)
        const fusedCalls = runKernel.mock.calls.filter(([name]) => name === ADAM_MOMENTS_KERNEL || name === ADAM_MOMENTS_DOTS_KERNEL).length;
        if (fused) expect(fusedCalls).toBeGreaterThan(0);
        else expect(fusedCalls).toBe(0);
      } finally {
        runKernel.mockRestore();
      }
    },
  );
});

/**
 * Every other optimizer on wasm with the fused kernels (the elementwise program, the
 * dots kernel, Adam's kernel where a rule builds on it): the fast path must meet the
 * same float64 reference as the cpu backend does.
 */
describe.runIf(native)('every other kit optimizer on wasm, fused kernels', () => {
  it.each(OPTIMIZERS_UNDER_TEST.filter((c) => c.adamFamily !== true))('$name', async ({ make, reference }) => {
    await tf.setBackend('wasm');
    const { worst } = runAgainstReference(make(), reference());
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);
  });
});

if (!native) {
  describe('the Adam family on wasm', () => {
    it.skip('needs the native addon (npm run build:native) for the fused kernel', () => {});
  });
}
