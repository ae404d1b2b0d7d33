/**
 * FACTORED_RMS_KERNEL (harness/spec.ts) natively (src/factored_rms.cc): Adafactor's row
 * and column averages of one matrix, their factors, the scaled gradient u and the sums
 * its clipping and relative step size need, in one call of two threaded passes over g
 * (the first also reads p, the second writes u). The kit's program path takes five calls and a pass over p of its own.
 */
import * as tf from '@tensorflow/tfjs';
import { FACTORED_RMS_KERNEL } from '../../spec.ts';
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

/** The config, where the addon has `factoredRms` (one built before it has not: then none). */
export function factoredKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return typeof addon.factoredRms === 'function' ? [factoredRmsKernel(addon)] : [];
}
