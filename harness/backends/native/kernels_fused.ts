/**
 * `_FusedMatMul` (what `tf.layers.dense` and the RNN cells run), `FusedConv2D`
 * (`tf.layers.conv2d` with a bias or activation) and `FusedDepthwiseConv2D`
 * natively: the native product or convolution on both cores, then the bias and the
 * activation added in place on the output, each one threaded pass. The wasm kernels
 * they replace run on one thread. Activations other than linear, relu, relu6, elu and
 * sigmoid (prelu, leakyrelu) and NCHW convolutions go to the kernel they replace.
 */
import * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, run, type WasmBackend, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { broadcastStrides, fallback, type Fallback, heap, kernel, product } from './kernel_parts.ts';

/** The addon's unary codes (UnaryOp in src/stock.h) of the fused activations it covers. */
const ACTIVATIONS: Readonly<Record<string, number | undefined>> = { linear: undefined, relu: 6, relu6: 6, elu: 7, sigmoid: 5 };
const ADD = 0;
const MINIMUM = 5;
const FLOAT32 = 0;

const covered = (activation: unknown): boolean => activation === undefined || activation === null || String(activation) in ACTIVATIONS;

/** out ← act(out + bias), in place (each element is read and written by one thread). */
function epilogue(addon: NativeAddon, backend: WasmBackend, out: Info, bias: Info | undefined, activation: unknown): void {
  const y = heap(backend, out) as Float32Array;
  const shape = Float64Array.from(out.shape);
  if (bias !== undefined) addon.binary(ADD, FLOAT32, y, heap(backend, bias), y, shape, broadcastStrides(out.shape, out.shape), broadcastStrides(bias.shape, out.shape));
  const code = ACTIVATIONS[String(activation ?? 'linear')];
  if (code !== undefined) addon.unary(code, y, y, 0);
  if (activation === 'relu6') {
    const six = new Float32Array([6]);
    addon.binary(MINIMUM, FLOAT32, y, six, y, shape, broadcastStrides(out.shape, out.shape), new Float64Array(out.shape.length));
  }
}

/** Whether a bias of this shape adds to an output of that shape without growing it. */
function biasFits(bias: Info | undefined, outShape: readonly number[]): boolean {
  if (bias === undefined) return true;
  if (bias.dtype !== 'float32' || bias.shape.length > outShape.length) return false;
  return bias.shape.every((d, i) => d === 1 || d === outShape[outShape.length - bias.shape.length + i]);
}

function fused(addon: NativeAddon, name: '_FusedMatMul' | 'FusedConv2D' | 'FusedDepthwiseConv2D', base: 'BatchMatMul' | 'Conv2D' | 'DepthwiseConv2dNative', original: Fallback): tf.KernelConfig {
  return kernel(name, (args: KernelArgs) => {
    const { bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
    const activation = args.attrs?.['activation'];
    const [a, b] = base === 'BatchMatMul' ? [args.inputs['a']!, args.inputs['b']!] : [args.inputs['x']!, args.inputs['filter']!];
    const nchw = args.attrs?.['dataFormat'] === 'NCHW';
    if (preluActivationWeights !== undefined || !covered(activation) || nchw || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return fallback(original, args, `${name} with ${String(activation)}`);
    }
    const backend = wasmBackend(args);
    const inputs: Record<string, Info> = base === 'BatchMatMul' ? { a, b } : { x: a, filter: b };
    const out = run(base, backend, inputs, args.attrs as Record<string, unknown>);
    if (!biasFits(bias, out.shape)) {
      backend.disposeData(out.dataId);
      return fallback(original, args, `${name} with a bias of shape [${bias!.shape}]`);
    }
    if (product(out.shape) > 0) epilogue(addon, backend, out, bias, activation);
    return out;
  });
}

export function fusedKernelConfigs(addon: NativeAddon, current: (name: string) => Fallback): tf.KernelConfig[] {
  return [
    fused(addon, '_FusedMatMul', 'BatchMatMul', current('_FusedMatMul')),
    fused(addon, 'FusedConv2D', 'Conv2D', current('FusedConv2D')),
    // With the native depthwise forward (absent from addons built before it).
    ...(addon.depthwiseConv2d !== undefined ? [fused(addon, 'FusedDepthwiseConv2D', 'DepthwiseConv2dNative', current('FusedDepthwiseConv2D'))] : []),
  ];
}
