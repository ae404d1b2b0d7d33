/**
 * Fused gradients for the activations that tf.layers' recurrent cells run at every
 * time step (Tanh, Sigmoid, and ClipByValue inside the default hardSigmoid), and a
 * Multiply gradient without its no-op casts. tfjs composes each of these gradients
 * from 3–5 ops plus scalar uploads; on a 32×128 gate that is all per-op cost (engine
 * bookkeeping, tape clones, allocation), not arithmetic. Here each is one native pass
 * (src/activation_grad.cc), registered as a kernel of its own, and the stock gradient
 * is overridden to call it.
 *
 * tfjs's gradient registry is global, not per backend, so every override first asks
 * whether it may use the fused kernel: only on the wasm backend with these kernels,
 * only for float32, and only when nothing records the backward pass (a gradient of a
 * gradient needs the composed, differentiable ops). Otherwise it runs the stock
 * gradient it replaced, so other backends and higher-order gradients are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap, kernel, product } from './kernel_parts.ts';

/** dx = dy·(1 − y²) for y = tanh(x): inputs dy, y. */
export const TANH_GRAD_KERNEL = 'AlgobenchTanhGrad';
/** dx = dy·y·(1 − y) for y = sigmoid(x): inputs dy, y. */
export const SIGMOID_GRAD_KERNEL = 'AlgobenchSigmoidGrad';
/** dx = dy where clipValueMin ≤ x ≤ clipValueMax, else 0: inputs dy, x; attrs clipValueMin, clipValueMax. */
export const CLIP_GRAD_KERNEL = 'AlgobenchClipByValueGrad';

/** The addon's activationGrad op codes (ActivationGradOp in src/activation_grad.cc). */
const GRAD_OPS: ReadonlyArray<[name: string, op: 0 | 1 | 2, input: 'y' | 'x']> = [
  [TANH_GRAD_KERNEL, 0, 'y'],
  [SIGMOID_GRAD_KERNEL, 1, 'y'],
  [CLIP_GRAD_KERNEL, 2, 'x'],
];

function gradKernel(activationGrad: NonNullable<NativeAddon['activationGrad']>, name: string, op: 0 | 1 | 2, input: 'y' | 'x'): tf.KernelConfig {
  return kernel(name, (args) => {
    const dy = args.inputs['dy']!;
    const v = args.inputs[input]!;
    if (dy.dtype !== 'float32' || v.dtype !== 'float32' || dy.shape.join() !== v.shape.join()) {
      throw new Error(`${name}: dy and ${input} must be float32 tensors of one shape (got ${dy.dtype} [${dy.shape}] and ${v.dtype} [${v.shape}])`);
    }
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...v.shape], 'float32');
    if (product(v.shape) > 0) {
      activationGrad(op, heap(backend, dy) as Float32Array, heap(backend, v) as Float32Array, heap(backend, out) as Float32Array,
        Number(args.attrs?.['clipValueMin'] ?? 0), Number(args.attrs?.['clipValueMax'] ?? 0));
    }
    return out;
  });
}

/** The fused gradient kernels (none from an addon built before src/activation_grad.cc). */
export function gradientKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  const activationGrad = addon.activationGrad;
  if (typeof activationGrad !== 'function') return [];
  return GRAD_OPS.map(([name, op, input]) => gradKernel(activationGrad.bind(addon), name, op, input));
}

/** Whether a gradient may run the fused kernel now (see the module comment). */
function fusable(kernelName: string, tensors: readonly tf.Tensor[]): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(kernelName, 'wasm') !== undefined && !tf.engine().isTapeOn() &&
    tensors.every((t) => t.dtype === 'float32');
}

const single = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(dy) ? dy[0]! : dy);

/** An activation's gradient through its fused kernel, else through the stock gradient. */
function activationGradient(stock: tf.GradConfig, fusedKernel: string, attrNames: readonly string[] = []): tf.GradConfig {
  return {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const g = single(dy);
      const v = saved[0]!;
      if (!fusable(fusedKernel, [g, v])) return stock.gradFunc(dy, saved, attrs);
      const input = fusedKernel === CLIP_GRAD_KERNEL ? 'x' : 'y';
      const kernelAttrs = Object.fromEntries(attrNames.map((a) => [a, attrs[a]!])) as tf.NamedAttrMap;
      return { x: () => tf.engine().runKernel(fusedKernel, { dy: g, [input]: v }, kernelAttrs) };
    },
  };
}

/**
 * Multiply's gradient as tfjs writes it, less the cast of each operand to float32
 * (a Cast kernel call each, which changes nothing when the operand is float32).
 */
function multiplyGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const g = single(dy);
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      if (!(tf.getBackend() === 'wasm' && a.dtype === 'float32' && b.dtype === 'float32')) return stock.gradFunc(dy, saved, attrs);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const reduced = (res: tf.Tensor, shape: number[]): tf.Tensor => {
        const axes = tf.backend_util.getReductionAxes(shape, outShape);
        return axes.length > 0 ? tf.reshape(tf.sum(res, axes), shape) : res;
      };
      return { a: () => reduced(tf.mul(g, b), a.shape), b: () => reduced(tf.mul(g, a), b.shape) };
    },
  };
}

let installed = false;

/**
 * Overrides the stock gradients of Tanh, Sigmoid, ClipByValue and Multiply (once per
 * process). Call after the kernels of gradientKernelConfigs are registered.
 */
export function installNativeGradients(): void {
  if (installed) return;
  installed = true;
  const overrides: Array<[string, (stock: tf.GradConfig) => tf.GradConfig]> = [
    ['Tanh', (stock) => activationGradient(stock, TANH_GRAD_KERNEL)],
    ['Sigmoid', (stock) => activationGradient(stock, SIGMOID_GRAD_KERNEL)],
    ['ClipByValue', (stock) => activationGradient(stock, CLIP_GRAD_KERNEL, ['clipValueMin', 'clipValueMax'])],
    ['Multiply', multiplyGradient],
  ];
  for (const [name, override] of overrides) {
    const stock = tf.getGradient(name);
    if (stock !== undefined) tf.registerGradient(override(stock));
  }
}
