/**
 * `npm run bench:kernels`: algobench's native stock-op kernels against the kernels
 * they replace (tfjs-wasm's own, or algobench's JS UnsortedSegmentSum), side by side
 * in one process on the same inputs, plus each elementwise kernel's memory throughput
 * next to a plain copy of the same buffers. Both kernels are called directly
 * (kernelFunc), so the figures are kernel time without the op layer.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../backends/select.ts';
import { unsortedSegmentSumConfig } from '../backends/wasm/segment.ts';
import type { KernelArgs, WasmBackend } from '../backends/wasm/kernel_utils.ts';

interface Row {
  readonly name: string;
  readonly kernel: string;
  readonly inputs: () => Record<string, tf.Tensor>;
  readonly attrs?: Record<string, unknown>;
  /** Bytes a kernel must read and write, for GB/s. */
  readonly bytes?: number;
}

const M = 1 << 20;
const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const ROWS: readonly Row[] = [
  { name: 'Transpose [32,64,8,16] perm [0,2,1,3] (head split)', kernel: 'Transpose', inputs: () => ({ x: normal([32, 64, 8, 16], 1) }), attrs: { perm: [0, 2, 1, 3] } },
  { name: 'Transpose [1024,1024] (2-D tiles)', kernel: 'Transpose', inputs: () => ({ x: normal([1024, 1024], 2) }), attrs: { perm: [1, 0] } },
  // Small sizes straddle the threshold below which pointwise kernels stay on one thread (32K elements).
  { name: 'Add 16K + 16K (one thread)', kernel: 'Add', inputs: () => ({ a: normal([16384], 12), b: normal([16384], 13) }), bytes: 12 * 16384 },
  { name: 'Add 64K + 64K (both threads)', kernel: 'Add', inputs: () => ({ a: normal([65536], 14), b: normal([65536], 15) }), bytes: 12 * 65536 },
  { name: 'Add 1M + 1M', kernel: 'Add', inputs: () => ({ a: normal([M], 3), b: normal([M], 4) }), bytes: 12 * M },
  { name: 'Mul [1024,1024] · row [1024]', kernel: 'Multiply', inputs: () => ({ a: normal([1024, 1024], 5), b: normal([1024], 6) }), bytes: 8 * M },
  { name: 'Sqrt 1M', kernel: 'Sqrt', inputs: () => ({ x: tf.abs(normal([M], 7)) }), bytes: 8 * M },
  { name: 'Softmax [256,64,64]', kernel: 'Softmax', inputs: () => ({ logits: normal([256, 64, 64], 8) }), attrs: { dim: 2 } },
  { name: 'Max [256,64,64] over the last axis', kernel: 'Max', inputs: () => ({ x: normal([256, 64, 64], 9) }), attrs: { reductionIndices: [2], keepDims: false } },
  {
    name: 'UnsortedSegmentSum 4096×64 into 16384 rows', kernel: 'UnsortedSegmentSum',
    inputs: () => ({ x: normal([4096, 64], 10), segmentIds: tf.tensor1d(Array.from({ length: 4096 }, (_, i) => (i * 104729) % 16384), 'int32') }),
    attrs: { numSegments: 16384 },
  },
  { name: 'GatherV2 4096 rows of a 16384×64 table', kernel: 'GatherV2', inputs: () => ({ x: normal([16384, 64], 11), indices: tf.tensor1d(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 16384), 'int32') }), attrs: { axis: 0, batchDims: 0 } },
];

/** Median milliseconds per call of f over rounds of a few calls each. */
function timeMs(f: () => void, rounds = 15): number {
  for (let i = 0; i < 3; i++) f();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < 5; i++) f();
    samples.push((performance.now() - start) / 5);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

function callKernel(config: tf.KernelConfig, backend: tf.KernelBackend, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): () => void {
  const args = { inputs: inputs as unknown as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend } as KernelArgs;
  return () => {
    const out = config.kernelFunc(args);
    for (const info of [out].flat()) (backend as unknown as WasmBackend).disposeData(info.dataId);
  };
}

async function main(): Promise<void> {
  // The stock kernels, taken before algobench's replace them.
  const stock = new Map(ROWS.map((r) => [r.kernel, r.kernel === 'UnsortedSegmentSum' ? unsortedSegmentSumConfig : tf.getKernel(r.kernel, 'wasm')]));
  const info = await selectBackend('wasm');
  if (!/\+algobench-native\.[0-9a-f]{12}$/.test(info.version)) throw new Error('the native addon is not built or is disabled (ALGOBENCH_NATIVE=0); run npm run build:native');
  const backend = tf.backend();
  const lines: string[] = [];
  const copy = (() => {
    const src = new Float32Array(M);
    const dst = new Float32Array(M);
    const ms = timeMs(() => dst.set(src));
    return (8 * M) / (ms * 1e6);
  })();
  lines.push(`plain copy of 1M floats (TypedArray.set, one thread): ${copy.toFixed(1)} GB/s`);
  lines.push(['kernel', 'native ms', 'tfjs-wasm ms', 'speed-up', 'native GB/s', 'tfjs-wasm GB/s'].join(' | '));
  for (const row of ROWS) {
    const inputs = tf.tidy(row.inputs);
    const mine = timeMs(callKernel(tf.getKernel(row.kernel, 'wasm')!, backend, inputs, row.attrs ?? {}));
    const theirs = timeMs(callKernel(stock.get(row.kernel)!, backend, inputs, row.attrs ?? {}));
    const gbs = (ms: number) => (row.bytes === undefined ? '' : ((row.bytes / (ms * 1e6)).toFixed(1)));
    lines.push([row.name, mine.toFixed(3), theirs.toFixed(3), `${(theirs / mine).toFixed(1)}×`, gbs(mine), gbs(theirs)].join(' | '));
    tf.dispose(Object.values(inputs));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
