/**
 * ES-module faces for TensorFlow.js's CommonJS bundles, with their export names known
 * in advance.
 *
 * Why: `import * as tf from '@tensorflow/tfjs'` makes Node find the names a CommonJS
 * module exports by lexing its source, and the re-exports' sources after it: for
 * TensorFlow.js that is ~7 MB of bundles (core, layers, converter, data, the cpu and
 * webgl backends), ~170 ms of every process that imports it, against ~90 ms to run them
 * (`require`). Every trial, every sandboxed inspection and every CLI command pays it.
 *
 * How: a process that has the bundles loaded (the CLI, a run's parent) reads the names
 * off the loaded objects (`cjsFacades`) and registers hooks (cjs_facade_hooks.mjs) that
 * turn an import which resolves to one of those files into a small ES module: it
 * requires the file and exports the same properties under the same names, and the
 * object as its default — what Node's own CommonJS import gives, without the lexing.
 * A trial's process gets the parent's table, so it never loads the bundles to learn it.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The packages given a face: those every trial and most commands import. */
export const FACADE_PACKAGES: readonly string[] = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

/** A CommonJS file's path and the names of its exports. */
export interface CjsFacade {
  readonly path: string;
  readonly names: readonly string[];
}

/** File URL (as Node's resolver gives it) → that file's facade. */
export type CjsFacades = Readonly<Record<string, CjsFacade>>;

const require = createRequire(import.meta.url);
const known = new Map<string, CjsFacade>();

/**
 * The facades of those FACADE_PACKAGES this process has loaded: the names are the
 * loaded objects' own enumerable keys, bar `default` (the facade's default is the object
 * itself). A package not loaded is left out, never loaded here: loading the wasm
 * backend registers it with TensorFlow.js, which would change the process's backend.
 */
export function cjsFacades(): CjsFacades {
  const out: Record<string, CjsFacade> = {};
  for (const specifier of FACADE_PACKAGES) {
    const path = require.resolve(specifier);
    const loaded = require.cache[path]?.exports as Record<string, unknown> | undefined;
    if (loaded === undefined) continue;
    if (!known.has(path)) known.set(path, { path, names: Object.keys(loaded).filter((n) => n !== 'default') });
    out[pathToFileURL(path).href] = known.get(path)!;
  }
  return out;
}

/** Loads FACADE_PACKAGES (as CommonJS) in this process and returns their facades. */
export function loadCjsFacades(): CjsFacades {
  for (const specifier of FACADE_PACKAGES) require(specifier);
  return cjsFacades();
}

/** Registers the facade hooks with `facades` in this process: its later imports of those files go through them. */
export function registerCjsFacadeHooks(facades: CjsFacades): void {
  register(new URL('./cjs_facade_hooks.mjs', import.meta.url), { data: { facades } });
}

let registered = false;

/** Loads FACADE_PACKAGES and registers their facades in this process, once (the CLI). */
export function registerCjsFacades(): void {
  if (registered) return;
  registered = true;
  registerCjsFacadeHooks(loadCjsFacades());
}
