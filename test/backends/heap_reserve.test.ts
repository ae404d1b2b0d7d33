/**
 * The trial process's resident heap (harness/backends/wasm/heap_reserve.ts), on the real
 * wasm backend: the reserved block's pages become resident in this process (its RSS
 * grows by about the block), the block goes back to the allocator, and the trial's
 * later allocations are served from it without growing the heap again. Its size
 * follows the documented rule: 16 parameter copies, at least 32 MiB, at most 512 MiB.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { heapReserveBytes, reserveResidentHeap, reserveTrialHeap, type ResidentHeapModule } from '../../harness/backends/wasm/heap_reserve.ts';
import { selectBackend } from '../../harness/backends/select.ts';

const MiB = 2 ** 20;

/** This process's resident set, in bytes (Linux). */
function residentBytes(): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (kb === null) throw new Error('no VmRSS in /proc/self/status');
  return Number(kb[1]) * 1024;
}

function wasmModule(): ResidentHeapModule {
  return (tf.backend() as unknown as { wasm: ResidentHeapModule }).wasm;
}

const heapBytes = () => wasmModule().HEAPU8.buffer.byteLength;

describe('heapReserveBytes', () => {
  it('covers 16 copies of the parameters, between 32 MiB and 512 MiB', () => {
    expect(heapReserveBytes(0)).toBe(32 * MiB);
    expect(heapReserveBytes(1 * MiB)).toBe(32 * MiB);
    expect(heapReserveBytes(2 * MiB)).toBe(32 * MiB);
    expect(heapReserveBytes(3 * MiB)).toBe(48 * MiB);
    expect(heapReserveBytes(4.02 * MiB)).toBeCloseTo(64.32 * MiB, 0);
    expect(heapReserveBytes(10 * MiB)).toBe(160 * MiB);
    expect(heapReserveBytes(32 * MiB)).toBe(512 * MiB);
    expect(heapReserveBytes(100 * MiB)).toBe(512 * MiB);
  });
});

describe('reserveResidentHeap on the wasm backend', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('makes the block resident, frees it, and later allocations reuse it without growing the heap', () => {
    const bytes = 96 * MiB;
    const rss0 = residentBytes();
    expect(reserveResidentHeap(wasmModule(), bytes)).toBe(bytes);
    // Every page of the block was written: the process holds about that much more.
    expect(residentBytes() - rss0).toBeGreaterThan(0.9 * bytes);
    const heapAfter = heapBytes();
    // A trial's allocations after it, many tensors of various sizes, fit in the freed block.
    const tensors: tf.Tensor[] = [];
    let allocated = 0;
    for (let i = 0; allocated < 0.75 * bytes; i++) {
      const size = ((i % 7) + 1) * 256 * 1024;
      tensors.push(tf.fill([size], i % 5));
      allocated += size * 4;
    }
    expect(heapBytes()).toBe(heapAfter);
    expect(tensors[3]!.dataSync()[10]).toBe(3);
    tf.dispose(tensors);
  });

  it('reserves nothing for a non-positive size', () => {
    const heap = heapBytes();
    expect(reserveResidentHeap(wasmModule(), 0)).toBe(0);
    expect(heapBytes()).toBe(heap);
  });

  it('answers 0 and touches nothing when the allocator refuses the block', () => {
    const refusing: ResidentHeapModule = {
      _malloc: () => 0,
      _free: () => {
        throw new Error('nothing was allocated to free');
      },
      HEAPU8: new Uint8Array(16),
    };
    expect(reserveResidentHeap(refusing, 64 * MiB)).toBe(0);
  });

  it('the trial reservation on the active wasm backend follows heapReserveBytes', () => {
    expect(reserveTrialHeap(10 * MiB)).toBe(160 * MiB);
  });
});
