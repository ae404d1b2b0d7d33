/**
 * Tensor memory on the wasm heap at 64-byte boundaries (harness/backends/wasm/aligned_heap.ts):
 * on a stand-in module whose allocator answers addresses 8 bytes past a cache line (as
 * Emscripten's malloc often does), with the self-replacing `_malloc`/`_free` stubs that
 * Emscripten emits, and on the real wasm backend (every tensor 64-byte aligned, values
 * intact, memory given back).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignHeapAllocations, HEAP_ALIGNMENT, type HeapAllocator } from '../../harness/backends/wasm/aligned_heap.ts';
import { selectBackend } from '../../harness/backends/select.ts';

/** A bump allocator at 8 bytes past each cache line, with Emscripten's lazy export stubs. */
function standIn() {
  const asked: number[] = [];
  const freed: number[] = [];
  let next = 1024 + 8;
  const asm = {
    malloc(bytes: number): number {
      asked.push(bytes);
      const at = next;
      next += Math.ceil((bytes + 8) / 64) * 64 + 8 + 64;
      next = next - (next % 64) + 8;
      return at;
    },
    free(address: number): void {
      freed.push(address);
    },
  };
  // As the Emscripten glue: `Module._malloc = function () { return (Module._malloc = asm.malloc).apply(…) }`.
  const module = {} as HeapAllocator;
  module._malloc = function (this: unknown, bytes: number) {
    module._malloc = asm.malloc;
    return asm.malloc(bytes);
  };
  module._free = function (this: unknown, address: number) {
    module._free = asm.free;
    asm.free(address);
  };
  return { module, asked, freed, raw: asm };
}

describe('alignHeapAllocations on a stand-in module', () => {
  it('answers 64-byte-aligned addresses inside a block big enough, on every call (also after the stubs replace themselves)', () => {
    const { module, asked } = standIn();
    expect(module._malloc(100) % 64).toBe(8); // the stand-in misaligns, as the real heap does
    expect(alignHeapAllocations(module)).toBe(true);
    const sizes = [1, 4, 100, 4096, 7];
    const got = sizes.map((bytes) => module._malloc(bytes));
    for (const [i, address] of got.entries()) {
      expect(address % HEAP_ALIGNMENT).toBe(0);
      // asked for the size plus 63 bytes, and the aligned block lies within what was given
      expect(asked[i + 1]).toBe(sizes[i]! + 63);
    }
  });

  it('frees the address malloc gave for an aligned one, and passes other addresses through', () => {
    const { module, freed, raw } = standIn();
    alignHeapAllocations(module);
    const a = module._malloc(256);
    const b = module._malloc(256);
    module._free(b);
    module._free(a);
    // the stand-in's blocks start 8 bytes past a line, so each aligned address is 56 bytes in
    expect(freed).toEqual([b - 56, a - 56]);
    const foreign = raw.malloc(32); // a kernel's own allocation, not made through _malloc
    module._free(foreign);
    expect(freed[2]).toBe(foreign);
    // a second free of an aligned address is no longer known: it passes through as given
    module._free(a);
    expect(freed[3]).toBe(a);
  });

  it('installs once per module', () => {
    const { module } = standIn();
    expect(alignHeapAllocations(module)).toBe(true);
    expect(alignHeapAllocations(module)).toBe(false);
    expect(module._malloc(10) % 64).toBe(0);
  });

  it('answers 0 where malloc fails', () => {
    const module: HeapAllocator = { _malloc: () => 0, _free: () => undefined };
    alignHeapAllocations(module);
    expect(module._malloc(1 << 20)).toBe(0);
  });
});

describe('the wasm backend after selectBackend', () => {
  let backend: { getMemoryOffset(dataId: object): number; wasm: { HEAPU8: Uint8Array } };
  beforeAll(async () => {
    await selectBackend('wasm');
    backend = tf.backend() as unknown as typeof backend;
  });

  it('puts every tensor at a 64-byte boundary, with its values', () => {
    const sizes = [1, 3, 17, 768, 1000, 65537];
    const made = sizes.map((n) => tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3)));
    const sums = made.map((t) => tf.add(t, t));
    try {
      for (const t of [...made, ...sums]) expect(backend.getMemoryOffset(t.dataId) % 64).toBe(0);
      for (const [k, n] of sizes.entries()) {
        const expected = Float32Array.from({ length: n }, (_, i) => 2 * (i * 0.5 - 3));
        expect(sums[k]!.dataSync()).toEqual(expected);
      }
    } finally {
      tf.dispose([...made, ...sums]);
    }
  });

  it('gives the memory back: making and disposing tensors does not grow the heap', () => {
    const n = 1 << 20;
    tf.dispose(tf.zeros([n])); // the heap holds at least one such tensor
    const before = backend.wasm.HEAPU8.length;
    for (let i = 0; i < 200; i++) tf.dispose(tf.fill([n + (i % 7)], i));
    expect(backend.wasm.HEAPU8.length).toBe(before);
  });
});
