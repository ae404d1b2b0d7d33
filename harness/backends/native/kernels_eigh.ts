/**
 * DAMPED_INVERSE_ROOT_KERNEL (harness/spec.ts) natively (src/eigh.cc): the float32
 * statistic is widened to float64, decomposed (Householder tridiagonalisation and
 * implicit QR, ≈ 9n³ flops) and the root rounded back to float32 once.
 */
import * as tf from '@tensorflow/tfjs';
import { DAMPED_INVERSE_ROOT_KERNEL } from '../../spec.ts';
import { type KernelArgs, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap } from './kernel_parts.ts';

function dampedInverseRootKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: DAMPED_INVERSE_ROOT_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const { s } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const p = Number(args.attrs?.['p'] ?? Number.NaN);
      const eps = Number(args.attrs?.['eps'] ?? Number.NaN);
      if (s === undefined || s.dtype !== 'float32' || s.shape.length !== 2 || s.shape[0] !== s.shape[1]) {
        throw new Error(`${DAMPED_INVERSE_ROOT_KERNEL}: takes a square float32 s; got ${s === undefined ? 'none' : `${s.dtype} [${s.shape}]`}`);
      }
      if (!(p > 0) || !(eps >= 0)) throw new Error(`${DAMPED_INVERSE_ROOT_KERNEL}: needs p > 0 and eps ≥ 0; got p ${p}, eps ${eps}`);
      const n = s.shape[0]!;
      const backend = wasmBackend(args);
      const out = backend.makeOutput([n, n], 'float32');
      // Read s after making the output: making it may grow the wasm heap and detach views.
      const a = Float64Array.from(heap(backend, s) as Float32Array);
      const root = new Float64Array(n * n);
      addon.dampedInverseRoot!(a, root, n, p, eps);
      (heap(backend, out) as Float32Array).set(root);
      return out;
    },
  };
}

/** The config where the addon has the function (one built before it has not: then none). */
export function eighKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return typeof addon.dampedInverseRoot === 'function' ? [dampedInverseRootKernel(addon)] : [];
}
