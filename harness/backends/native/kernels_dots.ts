/**
 * DOTS_KERNEL (harness/spec.ts) natively (src/dots.cc): every dot product an optimizer
 * rule needs of a few same-sized tensors, per tensor or per column, in one threaded
 * pass that reads each input once. The ops it replaces (tf.mul then tf.sum per pair)
 * read every input once per pair and store each product.
 */
import * as tf from '@tensorflow/tfjs';
import { DOTS_KERNEL } from '../../spec.ts';
import { type KernelArgs, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap, product } from './kernel_parts.ts';

function dotsKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: DOTS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const pairs = (args.attrs?.['pairs'] as number[] | undefined) ?? [];
      const columns = Number(args.attrs?.['columns'] ?? 1);
      const inputs = Object.keys(args.inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => args.inputs[k]!);
      const n = inputs.length > 0 ? product(inputs[0]!.shape) : 0;
      if (inputs.some((x) => x.dtype !== 'float32' || product(x.shape) !== n)) throw new Error(`${DOTS_KERNEL}: every input must be float32 of one size; got ${inputs.map((x) => `${x.dtype}[${x.shape}]`).join(', ')}`);
      if (!(Number.isInteger(columns) && columns >= 1 && n % columns === 0)) throw new Error(`${DOTS_KERNEL}: columns (${columns}) must be a positive divisor of the inputs' size ${n}`);
      if (pairs.length % 2 !== 0 || pairs.some((p) => !(Number.isInteger(p) && p >= 0 && p < inputs.length))) throw new Error(`${DOTS_KERNEL}: pairs must list input indices two by two (${inputs.length} inputs); got [${pairs}]`);
      const rowSums = args.attrs?.['rowSums'] === true;
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = Array.from({ length: pairs.length / 2 }, () => backend.makeOutput([columns], 'float32'));
      const rowOuts = rowSums ? Array.from({ length: pairs.length / 2 }, () => backend.makeOutput([n / columns], 'float32')) : [];
      const view = (o: (typeof outs)[number]) => heap(backend, o) as Float32Array;
      addon.dots!(inputs.map((x) => heap(backend, x) as Float32Array), Int32Array.from(pairs), n / columns, columns, outs.map(view), rowSums ? rowOuts.map(view) : undefined);
      return [...outs, ...rowOuts];
    },
  };
}

/** The config, where the addon has `dots` (one built before it has not: then none). */
export function dotsKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return typeof addon.dots === 'function' ? [dotsKernel(addon)] : [];
}
