/**
 * `updateAndApply(…, donate = true)`, as defineSubmission steps under the harness: the
 * step's last elementwise program may write the new parameters and state into the
 * memory of the old ones. Checked here: the values are the rule's, bit for bit, against
 * the rule written out op by op on the cpu backend (never through the kit); the memory
 * is really reused (else the first check proves nothing); and nothing that outlives the
 * step is written over — a parameter the caller does not donate, a clone or a kept
 * tensor of a donated one, a parameter or state tensor the result carries on, and an
 * input another parameter's program still reads.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ELEMENTWISE_PROGRAM_KERNEL, type OptState, type ParamTypes, type TensorMap } from '../../harness/spec.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { elementwiseTransformation, type GradientTransformation, updateAndApply } from '../../submissions/kit/transform.ts';

const native = loadNativeAddon() !== undefined;

// Multi-block and split between threads (40 061 elements, odd), a short vector, and one element (never taken over).
const SHAPES: Record<string, number[]> = { w: [97, 413], b: [413], s: [1] };
const TYPES: ParamTypes = { w: 'weight', b: 'bias', s: 'weight' };

function values(n: number, seed: number, scale: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * scale);
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const initial = (name: string, k: number) => values(size(SHAPES[name]!), 10 * k + name.length, 2);
const gradient = (name: string, step: number) => values(size(SHAPES[name]!), 1000 + 10 * step + name.length, 1);

/** The rule of sgd.ts written out (d = g + wd·p; b ← μ·b + d; s = b or d + μ·b; p ← p − lr·s), op by op on cpu. */
function reference(o: { lr: number; momentum: number; nesterov: boolean; wd: number }, steps: number): Record<string, Float32Array> {
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const out: Record<string, Float32Array> = {};
      for (const name of Object.keys(SHAPES)) {
        let p: tf.Tensor = tf.tensor(initial(name, 1), SHAPES[name]);
        let b: tf.Tensor = tf.zeros(SHAPES[name]!);
        for (let t = 0; t < steps; t++) {
          const g = tf.tensor(gradient(name, t), SHAPES[name]);
          const d = o.wd === 0 ? g : tf.add(g, tf.mul(p, o.wd));
          let s = d;
          if (o.momentum > 0) {
            b = tf.add(tf.mul(b, o.momentum), d);
            s = o.nesterov ? tf.add(tf.mul(b, o.momentum), d) : b;
          }
          p = tf.add(p, tf.mul(s, -o.lr));
        }
        out[name] = p.dataSync() as Float32Array;
      }
      return out;
    });
  } finally {
    tf.setBackend('wasm');
  }
}

const tensors = (f: (name: string) => Float32Array): TensorMap => Object.fromEntries(Object.keys(SHAPES).map((n) => [n, tf.tensor(f(n), SHAPES[n])]));

/** Index and values of the first element that differs in any bit, or undefined. */
function firstDifference(actual: Float32Array, expected: Float32Array): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return `element ${i}: ${actual[i]} vs ${expected[i]}`;
  return undefined;
}

/** One step in a tidy, as the harness runs it; the old tensors the result does not hold are disposed, as the harness does. */
function step(opt: GradientTransformation, params: TensorMap, state: OptState, t: number, donate: boolean, dispose = true, gradAt?: (at: TensorMap) => TensorMap) {
  const grads = tensors((n) => gradient(n, t));
  const next = tf.tidy(() => updateAndApply(opt, grads, state, params, { types: TYPES, ...(gradAt ? { gradAt } : {}) }, donate) as unknown as tf.TensorContainer) as unknown as {
    params: TensorMap;
    state: OptState;
  };
  tf.dispose(grads as unknown as tf.TensorContainer);
  if (dispose) {
    const keep = new Set(tf.tensor_util.getTensorsInContainer(next as unknown as tf.TensorContainer));
    for (const x of tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer)) if (!keep.has(x)) x.dispose();
  }
  return next;
}

describe.runIf(native)('updates written in place over donated params and state', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    expect(tf.getKernel(ELEMENTWISE_PROGRAM_KERNEL, 'wasm')).toBeDefined();
  });
  afterAll(() => tf.setBackend('wasm'));

  const CASES = [
    { name: 'sgd with decay', o: { lr: 0.1, momentum: 0, nesterov: false, wd: 5e-4 } },
    { name: 'heavy ball', o: { lr: 0.1, momentum: 0.9, nesterov: false, wd: 5e-4 } },
    { name: 'nesterov', o: { lr: 0.05, momentum: 0.9, nesterov: true, wd: 0 } },
  ];

  it.each(CASES)('$name: the rule’s bits, in the old tensors’ memory', ({ o }) => {
    const opt = sgd({ lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.wd });
    let params = tensors((n) => initial(n, 1));
    let state = opt.init(params);
    const reused: string[] = [];
    for (let t = 0; t < 3; t++) {
      // Any old tensor's memory will do (the kernel pairs outputs with donors in its own order).
      const before = new Set(tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer).map((x) => x.dataId));
      const next = step(opt, params, state, t, true);
      for (const [n, x] of Object.entries(next.params)) if (before.has(x.dataId)) reused.push(`${n}@${t}`);
      params = next.params;
      state = next.state;
    }
    const expected = reference(o, 3);
    for (const n of Object.keys(SHAPES)) expect(firstDifference(params[n]!.dataSync() as Float32Array, expected[n]!), n).toBeUndefined();
    // Every multi-element parameter, every step; never the one-element one.
    expect(reused.sort()).toEqual(['b@0', 'b@1', 'b@2', 'w@0', 'w@1', 'w@2']);
    tf.dispose([params, state] as unknown as tf.TensorContainer);
  });

  it('SAM passes the donation on to its base optimizer: the rule’s values, in the old memory', () => {
    // SAM (Foret et al. 2021) around plain SGD, with the gradient of L(w) = ¼·Σw², ∇ = w/2,
    // at the perturbed point: ε = ρ·g/(‖g‖ + 1e-12) over all parameters, g′ = (w + ε)/2,
    // w ← w − lr·g′. Written out in float64 here; the kit's global norm sums in another
    // order, so values are compared to float32 rounding, not bit for bit.
    const rho = 0.05;
    const lr = 0.1;
    const opt = sam(sgd({ lr }), { rho });
    const halfOf = (at: TensorMap): TensorMap => Object.fromEntries(Object.entries(at).map(([n, x]) => [n, tf.mul(x, 0.5)]));
    let params = tensors((n) => initial(n, 1));
    let state = opt.init(params);
    const expected: Record<string, Float64Array> = Object.fromEntries(Object.keys(SHAPES).map((n) => [n, Float64Array.from(initial(n, 1))]));
    const reused: string[] = [];
    for (let t = 0; t < 2; t++) {
      const before = new Set(tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer).map((x) => x.dataId));
      const next = step(opt, params, state, t, true, true, halfOf);
      for (const [n, x] of Object.entries(next.params)) if (before.has(x.dataId)) reused.push(`${n}@${t}`);
      params = next.params;
      state = next.state;
      let sq = 0;
      for (const n of Object.keys(SHAPES)) for (const g of gradient(n, t)) sq += g * g;
      const scale = rho / (Math.sqrt(sq) + 1e-12);
      for (const n of Object.keys(SHAPES)) {
        const g = gradient(n, t);
        const w = expected[n]!;
        for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * 0.5 * (w[i]! + scale * g[i]!);
      }
    }
    for (const n of Object.keys(SHAPES)) {
      const actual = params[n]!.dataSync() as Float32Array;
      const worst = actual.reduce((m, a, i) => Math.max(m, Math.abs(a - expected[n]![i]!) / Math.max(1e-3, Math.abs(expected[n]![i]!))), 0);
      expect(worst, n).toBeLessThan(1e-5);
    }
    expect(reused.sort()).toEqual(['b@0', 'b@1', 'w@0', 'w@1']);
    tf.dispose([params, state] as unknown as tf.TensorContainer);
  });

  it('writes over nothing a caller holds: params not donated, a clone, a kept tensor', () => {
    const o = { lr: 0.1, momentum: 0.9, nesterov: false, wd: 0 };
    const opt = sgd({ lr: o.lr, momentum: o.momentum });
    const expected = reference(o, 1);
    // Not donated: the caller's params keep their values and memory.
    const held = tensors((n) => initial(n, 1));
    const state = opt.init(held);
    const plain = step(opt, held, state, 0, false, false);
    for (const n of Object.keys(SHAPES)) {
      expect(firstDifference(held[n]!.dataSync() as Float32Array, initial(n, 1)), n).toBeUndefined();
      expect(plain.params[n]!.dataId).not.toBe(held[n]!.dataId);
      expect(firstDifference(plain.params[n]!.dataSync() as Float32Array, expected[n]!), n).toBeUndefined();
    }
    // Donated, but w has a clone (shared memory) held elsewhere and b is tf.keep'd: neither is written over.
    const clone = held['w']!.clone();
    tf.keep(held['b']!);
    const donated = step(opt, held, state, 0, true, false);
    expect(firstDifference(clone.dataSync() as Float32Array, initial('w', 1))).toBeUndefined();
    expect(firstDifference(held['w']!.dataSync() as Float32Array, initial('w', 1))).toBeUndefined();
    expect(firstDifference(held['b']!.dataSync() as Float32Array, initial('b', 1))).toBeUndefined();
    for (const n of Object.keys(SHAPES)) expect(firstDifference(donated.params[n]!.dataSync() as Float32Array, expected[n]!), n).toBeUndefined();
    tf.dispose([held, state, plain, donated, clone] as unknown as tf.TensorContainer);
  });

  it('writes over no tensor the result carries on, nor one that another parameter’s program reads', () => {
    // A rule of its own over two vectors of one shape: u_c = g_c + 0.5·p_c and
    // u_b = g_b + 0.5·p_c + 0·anchor, so p_c is read by both programs (c's runs first);
    // the state's `anchor` (a copy of p_b) is carried on unchanged and read by b's program.
    type S = { anchor: tf.Tensor; count: number };
    const shapes = { b: [413], c: [413] };
    const opt = elementwiseTransformation<S>({
      init: (params) => ({ anchor: tf.mul(params['b']!, 1), count: 0 }),
      updateElementwise: (grads, state, params) => ({
        updates: {
          c: grads['c']!.program.add(grads['c']!, grads['c']!.program.mul(params['c']!, 0.5)),
          b: grads['b']!.program.add(grads['b']!.program.add(grads['b']!, grads['b']!.program.mul(params['c']!, 0.5)), grads['b']!.program.mul(state.anchor, 0)),
        },
        state: { anchor: state.anchor, count: state.count + 1 },
      }),
    });
    const pb = values(413, 1, 2);
    const pc = values(413, 2, 2);
    const gb = values(413, 3, 1);
    const gc = values(413, 4, 1);
    const params: TensorMap = { b: tf.tensor(pb, shapes.b), c: tf.tensor(pc, shapes.c), frozen: tf.tensor(values(413, 5, 1)) };
    const state = opt.init(params);
    const anchorValues = (state.anchor.dataSync() as Float32Array).slice();
    const grads: TensorMap = { b: tf.tensor(gb), c: tf.tensor(gc) };
    const next = tf.tidy(() => updateAndApply(opt, grads, state, params, { types: {} }, true) as unknown as tf.TensorContainer) as unknown as {
      params: TensorMap;
      state: S;
    };
    // Reference, op by op on cpu: p + (g + 0.5·p_c) (+ anchor·0).
    tf.setBackend('cpu');
    const [eb, ec] = tf.tidy(() => {
      const c = tf.tensor(pc);
      const b = tf.add(tf.tensor(pb), tf.add(tf.add(tf.tensor(gb), tf.mul(c, 0.5)), tf.mul(tf.tensor(anchorValues), 0)));
      return [b.dataSync() as Float32Array, tf.add(c, tf.add(tf.tensor(gc), tf.mul(c, 0.5))).dataSync() as Float32Array];
    });
    tf.setBackend('wasm');
    expect(firstDifference(next.params['b']!.dataSync() as Float32Array, eb!)).toBeUndefined();
    expect(firstDifference(next.params['c']!.dataSync() as Float32Array, ec!)).toBeUndefined();
    expect(next.state.anchor).toBe(state.anchor);
    expect(firstDifference(next.state.anchor.dataSync() as Float32Array, anchorValues)).toBeUndefined();
    expect(next.params['frozen']).toBe(params['frozen']);
    // b's memory was free to take; c's was not (read by b's program too).
    expect(next.params['b']!.dataId).toBe(params['b']!.dataId);
    expect(next.params['c']!.dataId).not.toBe(params['c']!.dataId);
    tf.dispose([params, state, grads, next] as unknown as tf.TensorContainer);
  });
});
