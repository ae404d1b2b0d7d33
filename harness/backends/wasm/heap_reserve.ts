/**
 * Wasm heap made resident before the clock starts. The wasm backend keeps every
 * tensor in one linear memory that grows on demand, and each new page of it costs a
 * page fault on first touch. On the machines this runs on that fault is expensive
 * (measured here: 64 MB first touched in 330 ms, ~20 µs a page; touched again, a few
 * ms), and a trial's first steps grow the heap past what the warm-up touched — its
 * optimizer state's successors, the parameters kept for the evaluations between two
 * checks, the next step's outputs. spam_bow's reference trial grew its heap by 56 MB
 * after the warm-up, about a third of its ~0.7 s time-to-target and most of its
 * variance: a cost of this backend's allocator, not of the algorithm, charged to
 * whichever steps happened to grow the heap.
 *
 * So the trial process takes a block of heap, touches each of its pages and frees it,
 * off the clock, as XLA preallocates a share of device memory before JAX trains
 * (AlgoPerf's JAX workloads run so) and PyTorch's caching allocator keeps what it once
 * took: the allocator then serves the trial's allocations from pages already resident.
 * Linear memory never shrinks, so the pages stay. Growth beyond the reservation is
 * still on the clock, as before.
 */

import * as tf from '@tensorflow/tfjs';

/** The parts of the Emscripten module this uses. */
export interface ResidentHeapModule {
  _malloc(bytes: number): number;
  _free(address: number): void;
  readonly HEAPU8: Uint8Array;
}

/** Bytes touched per page: wasm pages are 64 KiB, the host's 4 KiB; one write per host page. */
const HOST_PAGE_BYTES = 4096;

/** The least the reservation holds, and the most: the base workloads grew 0–56 MB past the warm-up (spam_bow, 4 MB of parameters, the most); every trial process pays the least (~0.15 s here), so it stays small. */
export const HEAP_RESERVE_MIN_BYTES = 32 * 2 ** 20;
export const HEAP_RESERVE_MAX_BYTES = 512 * 2 ** 20;
/**
 * Copies of the parameters the reservation covers: new parameters and gradients each
 * step, an optimizer's state (Adam: two copies; Shampoo or SAM more), the parameters
 * kept for the evaluations between two checks (runner/eval_schedule.ts: up to four).
 */
export const HEAP_RESERVE_PARAM_COPIES = 16;

/** The reservation for a model of `paramBytes` bytes of parameters. */
export function heapReserveBytes(paramBytes: number): number {
  return Math.min(HEAP_RESERVE_MAX_BYTES, Math.max(HEAP_RESERVE_MIN_BYTES, HEAP_RESERVE_PARAM_COPIES * paramBytes));
}

/**
 * Makes `bytes` of free heap resident: allocates them, writes one byte per host page
 * and frees them. Answers the bytes made resident (0 when the allocator refused the
 * block: nothing is reserved then, and the trial runs as it would have).
 */
export function reserveResidentHeap(module: ResidentHeapModule, bytes: number): number {
  if (!(bytes > 0)) return 0;
  const address = module._malloc(bytes) >>> 0;
  if (address === 0) return 0;
  try {
    // Read after the allocation: a grown memory replaces the module's view.
    const heap = module.HEAPU8;
    for (let a = address; a < address + bytes; a += HOST_PAGE_BYTES) heap[a] = 0;
    heap[address + bytes - 1] = 0;
  } finally {
    module._free(address);
  }
  return bytes;
}

/**
 * The trial process's reservation on the active backend: on wasm, `heapReserveBytes`
 * of its heap made resident; other backends (tfjs-node keeps tensors outside any wasm
 * heap) reserve nothing. Answers the bytes reserved.
 */
export function reserveTrialHeap(paramBytes: number): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const module = (tf.backend() as unknown as { wasm?: Partial<ResidentHeapModule> }).wasm;
  if (typeof module?._malloc !== 'function' || typeof module._free !== 'function' || !(module.HEAPU8 instanceof Uint8Array)) return 0;
  return reserveResidentHeap(module as ResidentHeapModule, heapReserveBytes(paramBytes));
}
