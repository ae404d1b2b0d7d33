/**
 * Once, before any test file: the export names of TensorFlow.js's CommonJS bundles
 * (core/cjs_facades.ts), for every test file's process to import them through their
 * facades (test/setup.ts) — without them, Node lexes ~7 MB of bundles in each file that
 * imports TensorFlow.js, ~170 ms a file. Loading the bundles here, in vitest's own
 * process, registers nothing in any test file's engine.
 */
import { loadCjsFacades } from '../harness/core/cjs_facades.ts';

export default function setup(): void {
  process.env['ALGOBENCH_TEST_CJS_FACADES'] = JSON.stringify(loadCjsFacades());
}
