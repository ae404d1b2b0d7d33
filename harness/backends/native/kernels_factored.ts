/**
 * FACTORED_RMS_KERNEL (harness/spec.ts) natively (src/factored_rms.cc): Adafactor's row
 * and column averages of one matrix, their factors, the scaled gradient u and the sums
 * its clipping and relative step size need, in one call of two threaded passes over g
 * (the first also reads p, the second writes u). The kit's program path takes five calls and a pass over p of its own.
 */
import * as tf from '@tensorflow/tfjs';
import { FACTORED_RMS_KERNEL, FACTORED_RMS_STEP_KERNEL } from '../../spec.ts';
import { type KernelArgs, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap, product } from './kernel_parts.ts';

function factoredRmsKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: FACTORED_RMS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const { g, row, col, p } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attr = (k: string) => Number(args.attrs?.[k] ?? Number.NaN);
      const d0 = attr('d0');
      const sumU = args.attrs?.['sumU'] === true;
      const sumP = args.attrs?.['sumP'] === true;
      if (g === undefined || row === undefined || col === undefined || g.shape.length !== 2 || (d0 !== 0 && d0 !== 1)) {
        throw new Error(`${FACTORED_RMS_KERNEL}: takes a rank-2 g, its row and column states and d0 0 or 1; got g [${g?.shape}], d0 ${d0}`);
      }
      const [rows, cols] = g.shape as [number, number];
      const [n0, n1] = d0 === 0 ? [rows, cols] : [cols, rows];
      const bad = [g, row, col, ...(sumP ? [p] : [])].some((t) => t === undefined || t.dtype !== 'float32') ||
        product(row.shape) !== n1 || product(col.shape) !== n0 || (sumP && product(p!.shape) !== rows * cols) || rows * cols === 0;
      if (bad) throw new Error(`${FACTORED_RMS_KERNEL}: g [${g.shape}] needs float32 row of ${n1}, col of ${n0}${sumP ? ' and p of g\'s size' : ''}; got row [${row.shape}], col [${col.shape}]${sumP ? `, p [${p?.shape}]` : ''}`);
      const beta = attr('beta');
      const eps = attr('eps');
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = [row.shape, col.shape, row.shape, col.shape, g.shape].map((s) => backend.makeOutput([...s], 'float32'));
      const scalars = [0, 1].map(() => backend.makeOutput([], 'float32'));
      const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
      const sums = new Float32Array(2);
      const coefficients = Float64Array.of(beta, 1 - beta, n0 * eps, n1 * eps, n0, n1, d0, sumU ? 1 : 0, sumP ? 1 : 0);
      addon.factoredRms!(f(g), sumP ? f(p!) : null, f(row), f(col), f(outs[0]!), f(outs[1]!), f(outs[2]!), f(outs[3]!), f(outs[4]!), sums, rows, cols, coefficients);
      for (const [i, t] of scalars.entries()) f(t)[0] = sums[i]!;
      return [...outs, ...scalars];
    },
  };
}

function factoredRmsStepKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: FACTORED_RMS_STEP_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = (args.attrs ?? {}) as Record<string, unknown>;
      const count = Number(attrs['count']);
      const d0s = attrs['d0s'] as readonly number[] | undefined;
      const beta = Number(attrs['beta']);
      const eps = Number(attrs['eps']);
      const clip = Number(attrs['clip']);
      const paramScale = attrs['paramScale'] === undefined ? undefined : Number(attrs['paramScale']);
      const scaled = paramScale !== undefined;
      if (!(Number.isInteger(count) && count >= 1) || !Array.isArray(d0s) || d0s.length !== count || !Number.isFinite(beta) || !Number.isFinite(eps) ||
        !(clip > 0) || (scaled && !Number.isFinite(paramScale))) {
        throw new Error(`${FACTORED_RMS_STEP_KERNEL}: attrs need count ≥ 1, d0s of count entries, finite beta and eps, clip > 0 (Infinity: none) and a finite paramScale or none; got count ${attrs['count']}, d0s ${JSON.stringify(d0s)}, beta ${beta}, eps ${eps}, clip ${clip}, paramScale ${paramScale}`);
      }
      const isF32 = (t: tf.TensorInfo | undefined, size: number): t is tf.TensorInfo => t !== undefined && t.dtype === 'float32' && product(t.shape) === size;
      const gs: tf.TensorInfo[] = [];
      const ps: tf.TensorInfo[] = [];
      const states: tf.TensorInfo[] = [];
      const shapes = new Float64Array(3 * count);
      for (let i = 0; i < count; i++) {
        const g = inputs[`g${i}`];
        const d0 = d0s[i];
        const factored = d0 === 0 || d0 === 1;
        if (g === undefined || g.dtype !== 'float32' || product(g.shape) === 0 || !(factored ? g.shape.length === 2 : d0 === -1)) {
          throw new Error(`${FACTORED_RMS_STEP_KERNEL}: g${i} must be a non-empty float32 tensor, of rank 2 where d0 is 0 or 1, and d0s[${i}] 0, 1 or -1; got ${g === undefined ? 'none' : `${g.dtype}[${g.shape}]`}, d0 ${d0}`);
        }
        const size = product(g.shape);
        const [rows, cols] = factored ? (g.shape as [number, number]) : [1, size];
        const [n0, n1] = d0 === 0 ? [rows, cols] : [cols, rows];
        const own = factored ? [inputs[`r${i}`], inputs[`c${i}`]] : [inputs[`v${i}`]];
        const sizes = factored ? [n1, n0] : [size];
        const p = inputs[`p${i}`];
        if (own.some((t, k) => !isF32(t, sizes[k]!)) || (scaled && !isF32(p, size))) {
          throw new Error(`${FACTORED_RMS_STEP_KERNEL}: parameter ${i} (g [${g.shape}]) needs float32 ${factored ? `r${i} of ${n1} and c${i} of ${n0}` : `v${i} of ${size}`}${scaled ? ` and p${i} of ${size}` : ''} elements`);
        }
        gs.push(g);
        if (scaled) ps.push(p!);
        states.push(...(own as tf.TensorInfo[]));
        shapes.set([rows, cols, d0], 3 * i);
      }
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs: tf.TensorInfo[] = [];
      const factorOuts: tf.TensorInfo[] = [];
      const result: tf.TensorInfo[] = [];
      let s = 0;
      gs.forEach((g, i) => {
        const own = d0s[i] === -1 ? 1 : 2;
        const made = [...states.slice(s, s + own).map((t) => t.shape), g.shape].map((shape) => backend.makeOutput([...shape], 'float32'));
        const factor = backend.makeOutput([], 'float32');
        s += own;
        outs.push(...made);
        factorOuts.push(factor);
        result.push(...made, factor);
      });
      const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
      const factors = new Float32Array(count);
      const options = Float64Array.of(beta, 1 - beta, eps, clip, paramScale ?? 0, Number.isFinite(clip) ? 1 : 0, scaled ? 1 : 0);
      addon.factoredRmsStep!(gs.map(f), ps.map(f), states.map(f), outs.map(f), factors, shapes, options);
      factorOuts.forEach((t, i) => (f(t)[0] = factors[i]!));
      return result;
    },
  };
}

/** The configs the addon has the functions of (one built before them has not: then none). */
export function factoredKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return [
    ...(typeof addon.factoredRms === 'function' ? [factoredRmsKernel(addon)] : []),
    ...(typeof addon.factoredRmsStep === 'function' ? [factoredRmsStepKernel(addon)] : []),
  ];
}
