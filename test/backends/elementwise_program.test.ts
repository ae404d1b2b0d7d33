/**
 * The native elementwise-program kernel (ELEMENTWISE_PROGRAM_KERNEL, harness/spec.ts)
 * against TensorFlow.js's cpu backend running the same op directly: every op, bit for
 * bit (the contract says the kernel rounds as cpu does), on inputs with ±0, ±∞, NaN and
 * values near each other, at odd sizes and at sizes around the thread split (2^15) and
 * the kernel's 512-element blocks, with scalar (broadcast) inputs, and a program
 * whose outputs share work. The reference never goes through the kit's builder.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAM_OPS, type ElementwiseProgramOp } from '../../harness/spec.ts';

const native = loadNativeAddon() !== undefined;
const OPCODE = new Map<string, number>(ELEMENTWISE_PROGRAM_OPS.map(([name], i) => [name, i]));

/** Values where ops disagree when they are written carelessly. */
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 1e-30, -1e-30, 3e38, Infinity, -Infinity, NaN, 1e-45, 7];

function values(n: number, seed: number, withSpecial: boolean): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = withSpecial && i % 7 === 3 ? SPECIAL[rng.int(SPECIAL.length)]! : (rng.next() - 0.5) * 8;
  }
  return out;
}

/** The op as TensorFlow.js's cpu backend computes it (comparisons as 1/0 floats). */
function reference(op: ElementwiseProgramOp, [a, b, c]: tf.Tensor[]): tf.Tensor {
  const f = (t: tf.Tensor) => tf.cast(t, 'float32');
  switch (op) {
    case 'add': return tf.add(a!, b!);
    case 'sub': return tf.sub(a!, b!);
    case 'mul': return tf.mul(a!, b!);
    case 'div': return tf.div(a!, b!);
    case 'divNoNan': return tf.divNoNan(a!, b!);
    case 'max': return tf.maximum(a!, b!);
    case 'min': return tf.minimum(a!, b!);
    case 'neg': return tf.neg(a!);
    case 'abs': return tf.abs(a!);
    case 'sign': return tf.sign(a!);
    case 'sqrt': return tf.sqrt(a!);
    case 'rsqrt': return tf.rsqrt(a!);
    case 'square': return tf.square(a!);
    case 'relu': return tf.relu(a!);
    case 'mulAdd': return tf.add(tf.mul(a!, b!), c!);
    case 'greater': return f(tf.greater(a!, b!));
    case 'less': return f(tf.less(a!, b!));
    case 'equal': return f(tf.equal(a!, b!));
    case 'select': return tf.where(tf.notEqual(a!, 0), b!, c!);
    case 'const': throw new Error('const has no operands');
  }
}

interface Call {
  readonly inputs: Float32Array[];
  readonly shape: number[];
  readonly code: number[];
  readonly constants?: number[];
  readonly outputs: number[];
}

function runKernel(call: Call): Float32Array[] {
  tf.setBackend('wasm');
  return tf.tidy(() => {
    const inputs = Object.fromEntries(call.inputs.map((x, i) => [`x${i}`, x.length === 1 ? tf.scalar(x[0]!) : tf.tensor(x, call.shape)]));
    const out = tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, inputs, {
      shape: call.shape, code: call.code, constants: call.constants ?? [], outputs: call.outputs,
    } as never) as tf.Tensor[];
    return out.map((t) => t.dataSync() as Float32Array);
  });
}

function onCpu(f: () => tf.Tensor): Float32Array {
  tf.setBackend('cpu');
  return tf.tidy(() => f().dataSync() as Float32Array);
}

/** Index and values of the first element that differs in any bit (NaN equals NaN), or undefined. */
function firstDifference(actual: Float32Array, expected: Float32Array): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `element ${i}: ${actual[i]} vs ${expected[i]}`;
  }
  return undefined;
}

const OPS = ELEMENTWISE_PROGRAM_OPS.filter(([name]) => name !== 'const');

describe.runIf(native)('elementwise program kernel against the cpu backend, bit for bit', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    expect(tf.getKernel(ELEMENTWISE_PROGRAM_KERNEL, 'wasm'), 'the native kernel is registered').toBeDefined();
  });

  // 1, just over a block, the threaded threshold, and an odd size whose two halves split mid-block.
  const SIZES = [1, 513, 32768, 32769];

  it.each(OPS.map(([op, arity]) => ({ op, arity })))('$op', ({ op, arity }) => {
    for (const n of SIZES) {
      const inputs = Array.from({ length: arity }, (_, k) => values(n, 100 * n + k, true));
      // Ties and zeros where comparisons and select see them.
      if (arity > 1) for (let i = 0; i < n; i += 5) inputs[1]![i] = inputs[0]![i]!;
      if (op === 'select') for (let i = 0; i < n; i += 3) inputs[0]![i] = 0;
      const [got] = runKernel({ inputs, shape: [n], code: [OPCODE.get(op)!, 0, 1, 2], outputs: [arity] });
      const expected = onCpu(() => reference(op, inputs.map((x) => tf.tensor1d(x))));
      expect(firstDifference(got!, expected), `${op} at size ${n}`).toBeUndefined();
    }
  });

  it('broadcasts scalar inputs and constants, and computes shared work once for several outputs', () => {
    const n = 40001;
    const g = values(n, 7, false);
    const m = values(n, 8, false);
    // r2 = m·0.9 (const 0 = 0.9); r4 = g·0.1; r5 = r2 + r4; r6 = sign(r5); r7 = r5 · s (scalar input x2)
    const code = [
      OPCODE.get('const')!, 0, 0, 0, // r3 = 0.9
      OPCODE.get('mul')!, 1, 3, 0, // r4 = m·0.9
      OPCODE.get('const')!, 1, 0, 0, // r5 = 0.1
      OPCODE.get('mul')!, 0, 5, 0, // r6 = g·0.1
      OPCODE.get('add')!, 4, 6, 0, // r7 = r4 + r6
      OPCODE.get('sign')!, 7, 0, 0, // r8 = sign(r7)
      OPCODE.get('mul')!, 7, 2, 0, // r9 = r7 · s
    ];
    const s = Float32Array.of(-3.25);
    const [sign, scaled, same] = runKernel({ inputs: [g, m, s], shape: [n], code, constants: [0.9, 0.1], outputs: [8, 9, 0] });
    const avg = () => tf.add(tf.mul(tf.tensor1d(m), 0.9), tf.mul(tf.tensor1d(g), 0.1));
    expect(firstDifference(sign!, onCpu(() => tf.sign(avg())))).toBeUndefined();
    expect(firstDifference(scaled!, onCpu(() => tf.mul(avg(), tf.scalar(-3.25))))).toBeUndefined();
    expect(firstDifference(same!, g)).toBeUndefined();
  });

  it('gives the same bits whatever the thread count splits (a size just over the split, read back twice)', () => {
    const n = (1 << 15) + 3;
    const a = values(n, 11, true);
    const b = values(n, 12, true);
    const call = { inputs: [a, b], shape: [n], code: [OPCODE.get('div')!, 0, 1, 0, OPCODE.get('rsqrt')!, 2, 0, 0], outputs: [3] };
    const [first] = runKernel(call);
    const [second] = runKernel(call);
    expect(firstDifference(first!, second!)).toBeUndefined();
    expect(firstDifference(first!, onCpu(() => tf.rsqrt(tf.div(tf.tensor1d(a), tf.tensor1d(b)))))).toBeUndefined();
  });

  it('rejects a malformed program with one line naming the problem', () => {
    const x = Float32Array.of(1, 2, 3);
    expect(() => runKernel({ inputs: [x], shape: [3], code: [OPCODE.get('add')!, 0, 1, 0], outputs: [1] })).toThrow(/not an earlier register/);
    expect(() => runKernel({ inputs: [x], shape: [3], code: [99, 0, 0, 0], outputs: [1] })).toThrow(/unknown opcode/);
    expect(() => runKernel({ inputs: [x], shape: [3], code: [OPCODE.get('const')!, 0, 0, 0], outputs: [1] })).toThrow(/constant index/);
  });
});

if (!native) {
  describe('elementwise program kernel', () => {
    it.skip('needs the native addon (npm run build:native)', () => {});
  });
}
