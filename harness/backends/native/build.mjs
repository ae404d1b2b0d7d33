// Builds the native kernel addon during `npm ci` / `npm install` (package.json's
// "install" script) with the node-gyp that ships with npm, against the headers of the
// running Node. A machine without a C++ toolchain still installs: the build failing
// only costs speed (the wasm backend runs without these kernels), so this script
// reports it and exits 0. `npm run build:native` rebuilds by hand.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c !== undefined && c !== '' && existsSync(c));
}

if (process.env.ALGOBENCH_SKIP_NATIVE_BUILD === '1') {
  console.log('algobench: ALGOBENCH_SKIP_NATIVE_BUILD=1, native kernels not built');
  process.exit(0);
}

const gyp = nodeGyp();
const args = gyp === undefined ? ['node-gyp', 'rebuild'] : [process.execPath, gyp, 'rebuild'];
// Headers: npm passes its `nodedir` setting through the environment; otherwise use
// the ones installed beside this Node (distribution packages), so no download is needed.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const started = Date.now();
const result = spawnSync(args[0], args.slice(1), { cwd: here, encoding: 'utf8' });
const built = existsSync(join(here, 'build', 'Release', 'algobench_native.node'));
if (result.status === 0 && built) {
  console.log(`algobench: native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} else {
  const why = (result.error?.message ?? `${result.stderr ?? ''}${result.stdout ?? ''}`).trim().split('\n').slice(-12).join('\n');
  console.warn(`algobench: native kernels were not built; the wasm backend runs without them (slower).\n${why}`);
}
