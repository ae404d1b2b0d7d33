/**
 * algobench's kernels for the wasm backend, registered through TensorFlow.js's kernel
 * registry in one explicit list: wrappers replace stock kernels that are slow for
 * training (keeping the stock one for the cases they do not cover), and new kernels
 * fill the gaps that stop conv nets and embeddings from training at all.
 */
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, nativeAddonIdentity } from '../native/addon.ts';
import { activeCpuPlan } from '../cpu_plan.ts';
import { alignHeapAllocations, type HeapAllocator } from './aligned_heap.ts';
import { nativeKernelConfigs } from '../native/kernels.ts';
import { installNativeGradients } from '../native/kernels_gradients.ts';
import { installRnnCellGradients } from '../native/kernels_rnn.ts';
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig } from './conv.ts';
import { installGradients } from './gradients.ts';
import { installStockAdam } from './stock_adam.ts';
import { installStockRnn } from './stock_rnn.ts';
import { batchMatMulConfig } from './matmul.ts';
import { maxPoolGradConfig } from './pooling.ts';
import { unsortedSegmentSumConfig } from './segment.ts';

/** Stock kernels replaced by a wrapper that takes the original. */
const REPLACEMENTS: ReadonlyArray<[string, (original: tf.KernelConfig) => tf.KernelConfig]> = [
  ['BatchMatMul', batchMatMulConfig],
  ['Conv2DBackpropInput', conv2dBackpropInputConfig],
  ['MaxPoolGrad', maxPoolGradConfig],
];

/** Kernels the stock backend lacks. */
const ADDITIONS: readonly tf.KernelConfig[] = [conv2dBackpropFilterConfig, unsortedSegmentSumConfig];

let installed: { native: boolean; nativeIdentity?: string } | undefined;

/**
 * Registers the kernels once per process (and aligns the heap allocations of the wasm
 * backend already made, see aligned_heap.ts); later calls do nothing more. When the native
 * addon is built, its kernels go on top (falling back to the ones below them for
 * cases they do not cover); the answer says whether they did.
 */
export function installWasmKernels(): { native: boolean; nativeIdentity?: string } {
  // Per backend instance (the kernels below are per process): tensors made from here on
  // start at cache-line boundaries.
  const wasm = (tf.findBackend('wasm') as { wasm?: Partial<HeapAllocator> } | null)?.wasm;
  if (typeof wasm?._malloc === 'function' && typeof wasm._free === 'function') alignHeapAllocations(wasm as HeapAllocator);
  if (installed !== undefined) return installed;
  for (const [name, wrap] of REPLACEMENTS) {
    const original = tf.getKernel(name, 'wasm');
    if (original === undefined) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrap(original));
  }
  for (const config of ADDITIONS) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
  const addon = loadNativeAddon();
  let nativeIdentity: string | undefined;
  if (addon !== undefined) {
    const configs = nativeKernelConfigs(addon, (name) => tf.getKernel(name, 'wasm'));
    for (const config of configs) {
      if (tf.getKernel(config.kernelName, 'wasm') !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
    nativeIdentity = nativeAddonIdentity(addon, configs.map((c) => c.kernelName), activeCpuPlan()?.trialThreads);
    // The fused gradients use those kernels where they are registered (and the stock
    // gradients elsewhere: on other backends, and for gradients of gradients).
    installNativeGradients();
    installRnnCellGradients();
  }
  installGradients();
  installStockAdam();
  installStockRnn();
  installed = addon === undefined ? { native: false } : { native: true, nativeIdentity: nativeIdentity! };
  return installed;
}
