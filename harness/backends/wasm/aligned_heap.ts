/**
 * Tensor memory on the wasm heap at 64-byte (cache-line) boundaries. The wasm backend
 * takes each tensor's memory from the module's `_malloc`, which aligns to 8 or 16
 * bytes only: a 64-byte vector load or store of such a tensor then spans two cache
 * lines, every one of them, and a pass over it runs well below memory bandwidth
 * (measured: p += s·g over 40 MB, one thread, ~18 % slower at a 16-byte offset than at
 * a 64-byte boundary; a cache-resident one ~1.8× slower). PyTorch's allocator aligns
 * to 64 bytes; so does this one, by over-allocating 63 bytes and keeping each aligned
 * address's original one for `_free`. Memory the module frees that was not taken here
 * (a kernel's own allocation) goes to `_free` unchanged.
 */

/** The two exported functions of an Emscripten module that the backend allocates with. */
export interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(address: number): void;
}

export const HEAP_ALIGNMENT = 64;

const ALIGNED = Symbol.for('algobench.alignedHeap');

/**
 * Makes `module`'s `_malloc` answer 64-byte-aligned addresses and its `_free` take
 * them (once per module; later calls do nothing). Answers whether it was installed now.
 */
export function alignHeapAllocations(module: HeapAllocator): boolean {
  const marked = module as HeapAllocator & { [ALIGNED]?: true };
  if (marked[ALIGNED]) return false;
  let malloc = module._malloc;
  let free = module._free;
  // aligned address → the address malloc gave, for allocations made here and not yet freed
  const original = new Map<number, number>();
  const alignedMalloc = (bytes: number): number => {
    // `>>> 0`: above 2 GB, _malloc's int32 result is negative.
    const raw = malloc.call(module, bytes + HEAP_ALIGNMENT - 1) >>> 0;
    if (raw === 0) return 0;
    const aligned = raw + ((HEAP_ALIGNMENT - (raw % HEAP_ALIGNMENT)) % HEAP_ALIGNMENT);
    original.set(aligned, raw);
    return aligned;
  };
  const alignedFree = (address: number): void => {
    const key = address >>> 0;
    const raw = original.get(key);
    if (raw === undefined) {
      free.call(module, address);
      return;
    }
    original.delete(key);
    free.call(module, raw);
  };
  // Accessors, not plain properties: Emscripten's `_malloc` and `_free` are stubs that
  // replace themselves with the wasm exports on their first call (Module._malloc =
  // asm.malloc); the setter takes that export as the function to call, and the getter
  // keeps answering the aligned one.
  Object.defineProperty(module, '_malloc', { get: () => alignedMalloc, set: (f: HeapAllocator['_malloc']) => { malloc = f; }, configurable: true });
  Object.defineProperty(module, '_free', { get: () => alignedFree, set: (f: HeapAllocator['_free']) => { free = f; }, configurable: true });
  marked[ALIGNED] = true;
  return true;
}
