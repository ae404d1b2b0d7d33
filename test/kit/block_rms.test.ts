/**
 * The per-parameter ("block") RMS transformations against optax's definitions,
 * computed here in float64:
 *   clip_by_block_rms(d):          u / max(1, √mean(u²) / d)          (per tensor)
 *   scale_by_param_block_rms(ε2):  u · max(√mean(p²), ε2)             (per tensor)
 * On cpu they run as plain ops; on wasm with the native addon the sums come from
 * the program's fused sums and the dots kernel, which must meet the same values.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import type { ParamTypes, TensorMap } from '../../harness/spec.ts';
import { chain, type GradientTransformation } from '../../submissions/kit/transform.ts';
import { clipByBlockRms, scaleByParamBlockRms } from '../../submissions/kit/transforms/block_rms.ts';

/** Odd sizes (not multiples of any vector width or block), a scalar-like vector, and a 3-D kernel. */
const SHAPES: Record<string, number[]> = { w: [37, 23], b: [29], one: [1], k: [3, 5, 7] };
const TYPES: ParamTypes = { w: 'weight', b: 'bias', one: 'bias', k: 'conv_weight' };
const INFO = { types: TYPES };
const TOL = 2e-6;

/** A small deterministic generator (LCG), so the values do not depend on any tfjs RNG. */
function values(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(((s / 2 ** 32) * 2 - 1) * scale);
  });
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
/** √mean(x²) in float64. */
const rms = (x: Float32Array): number => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);

/** Per tensor a scale for the updates and one for the parameters (the tiny bias has RMS below ε2 = 1e-3). */
const SCALES: Record<string, { u: number; p: number }> = { w: { u: 3, p: 0.5 }, b: { u: 0.01, p: 2e-4 }, one: { u: 5, p: 1e-5 }, k: { u: 0.2, p: 1.5 } };

function fixtures(): { u: Record<string, Float32Array>; p: Record<string, Float32Array> } {
  const u: Record<string, Float32Array> = {};
  const p: Record<string, Float32Array> = {};
  Object.entries(SHAPES).forEach(([n, shape], i) => {
    u[n] = values(size(shape), 11 + i, SCALES[n]!.u);
    p[n] = values(size(shape), 101 + i, SCALES[n]!.p);
  });
  return { u, p };
}

const toTensors = (arrays: Record<string, Float32Array>): TensorMap =>
  Object.fromEntries(Object.entries(arrays).map(([n, v]) => [n, tf.tensor(v, SHAPES[n]!)]));

function run(t: GradientTransformation, u: Record<string, Float32Array>, p: Record<string, Float32Array>): Record<string, Float32Array> {
  const updates = toTensors(u);
  const params = toTensors(p);
  const state = t.init(params);
  const out = t.update(updates, state, params, INFO);
  const got = Object.fromEntries(Object.entries(out.updates).map(([n, x]) => {
    expect(x.shape, n).toEqual(SHAPES[n]);
    return [n, x.dataSync() as Float32Array];
  }));
  tf.dispose([updates, params, out.updates, state as tf.TensorContainer, out.state as tf.TensorContainer] as tf.TensorContainer);
  return got;
}

function expectClose(got: Record<string, Float32Array>, want: Record<string, Float64Array>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [n, w] of Object.entries(want)) {
    const scale = Math.max(...Array.from(w, Math.abs));
    let worst = 0;
    w.forEach((x, k) => { worst = Math.max(worst, Math.abs(got[n]![k]! - x) / scale); });
    expect(worst, `${n}: worst error relative to the largest value`).toBeLessThanOrEqual(TOL);
  }
}

/** optax clip_by_block_rms, float64. */
const clipReference = (u: Record<string, Float32Array>, d: number): Record<string, Float64Array> =>
  Object.fromEntries(Object.entries(u).map(([n, x]) => {
    const denom = Math.max(1, rms(x) / d);
    return [n, Float64Array.from(x, (v) => v / denom)];
  }));

/** optax scale_by_param_block_rms, float64. */
const scaleReference = (u: Record<string, Float32Array>, p: Record<string, Float32Array>, minScale: number): Record<string, Float64Array> =>
  Object.fromEntries(Object.entries(u).map(([n, x]) => {
    const s = Math.max(rms(p[n]!), minScale);
    return [n, Float64Array.from(x, (v) => v * s)];
  }));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const BACKENDS = loadNativeAddon() !== undefined ? ['cpu', 'wasm'] : ['cpu'];

describe.each(BACKENDS)('block RMS transformations against optax, float64 (%s)', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm') await selectBackend('wasm');
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('clipByBlockRms divides each tensor by its own RMS over the threshold, and leaves tensors under it alone', () => {
    const { u, p } = fixtures();
    // Threshold 0.1 clips some tensors (w's RMS is about 1.7) and not others (b's about 0.006).
    const over = Object.keys(u).filter((n) => rms(u[n]!) > 0.1);
    expect(over).toContain('w');
    expect(over).not.toContain('b');
    expectClose(run(clipByBlockRms(0.1), u, p), clipReference(u, 0.1));
    // A threshold above every RMS leaves every update as it was.
    expectClose(run(clipByBlockRms(100), u, p), clipReference(u, 100));
    // Each clipped tensor ends at RMS = threshold exactly: per tensor, not by a global norm.
    const clipped = run(clipByBlockRms(0.1), u, p);
    for (const n of over) expect(rms(clipped[n]!)).toBeCloseTo(0.1, 6);
  });

  it('scaleByParamBlockRms multiplies by the parameter tensor RMS, floored at minScale', () => {
    const { u, p } = fixtures();
    // b's and one's parameters have RMS under 1e-3: the floor applies to them only.
    expect(rms(p.b!)).toBeLessThan(1e-3);
    expect(rms(p.one!)).toBeLessThan(1e-3);
    expect(rms(p.w!)).toBeGreaterThan(1e-3);
    expectClose(run(scaleByParamBlockRms(), u, p), scaleReference(u, p, 1e-3));
    expectClose(run(scaleByParamBlockRms(0.5), u, p), scaleReference(u, p, 0.5));
  });

  it('chained as Adafactor uses them: clip the update, then scale by the parameter RMS', () => {
    const { u, p } = fixtures();
    const clipped = Object.fromEntries(Object.entries(clipReference(u, 1)).map(([n, x]) => [n, Float32Array.from(x)]));
    const want = scaleReference(clipped, p, 1e-3);
    expectClose(run(chain(clipByBlockRms(1), scaleByParamBlockRms(1e-3)), u, p), want);
  });
});
