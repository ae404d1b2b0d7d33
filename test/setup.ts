// Every test file that loads TensorFlow.js: silence its "install our node backend"
// advice, as the CLI does (quietTfjs in harness/backends/select.ts sets the same flag).
// Only where the file's own imports (or an earlier hook or test) loaded tfjs: loading it
// here, for the many files that never touch it, cost about 2 s a file. Before the
// file's own beforeAll hooks (those of setup files run first), and before each test.
import { createRequire } from 'node:module';
import { beforeAll, beforeEach } from 'vitest';
import { registerCjsFacadeHooks, type CjsFacades } from '../harness/core/cjs_facades.ts';

const require = createRequire(import.meta.url);
const TFJS_CORE = require.resolve('@tensorflow/tfjs-core');
let quieted = false;

function quietTfjsIfLoaded(): void {
  if (quieted || !(TFJS_CORE in require.cache)) return;
  (require(TFJS_CORE) as typeof import('@tensorflow/tfjs-core')).env().set('PROD', true);
  quieted = true;
}

beforeAll(quietTfjsIfLoaded);
beforeEach(quietTfjsIfLoaded);

// TensorFlow.js's bundles imported through their facades (core/cjs_facades.ts), with
// the names test/global_setup.ts read once: registered before the file's own imports.
const facades = process.env['ALGOBENCH_TEST_CJS_FACADES'];
if (facades !== undefined) registerCjsFacadeHooks(JSON.parse(facades) as CjsFacades);
