/**
 * Once, before any test file: the export names of TensorFlow.js's CommonJS bundles
 * (core/cjs_facades.ts), for every test file's process to import them through their
 * facades (test/setup.ts) — without them, Node lexes ~7 MB of bundles in each file that
 * imports TensorFlow.js, ~170 ms a file. Loading the bundles here, in vitest's own
 * process, registers nothing in any test file's engine.
 */
import { cjsFacades, FACADE_PACKAGES } from '../harness/core/cjs_facades.ts';
import { createRequire } from 'node:module';

export default function setup(): void {
  const require = createRequire(import.meta.url);
  for (const specifier of FACADE_PACKAGES) require(specifier);
  process.env['ALGOBENCH_TEST_CJS_FACADES'] = JSON.stringify(cjsFacades());
}
