/**
 * The ES-module faces of TensorFlow.js's CommonJS bundles (core/cjs_facades.ts,
 * cjs_facade_hooks.mjs): an import through one must give what Node's own import of the
 * bundle gives, take over only the files in its table, and the table must never load a
 * package (loading the wasm backend registers it with TensorFlow.js).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cjsFacades } from '../../harness/core/cjs_facades.ts';
import { initialize, load, resolve } from '../../harness/core/cjs_facade_hooks.mjs';

const require = createRequire(import.meta.url);
const TFJS = require.resolve('@tensorflow/tfjs');
const WASM = require.resolve('@tensorflow/tfjs-backend-wasm');

/**
 * In a fresh Node process, `import('@tensorflow/tfjs')`: its export names (sorted), how
 * many of them are the module object's own property of that name, and the URL it
 * resolved to; `facade` registers the hooks first, with the table this process computes.
 */
function namespaceOf(facade: boolean): { names: string[]; sameAsDefault: number; url: string } {
  const table = JSON.stringify(cjsFacades());
  const script = `
    import { register } from 'node:module';
    if (${facade}) register(${JSON.stringify(pathToFileURL(require.resolve('../../harness/core/cjs_facade_hooks.mjs')).href)}, { data: { facades: ${table} } });
    const ns = await import('@tensorflow/tfjs');
    const names = Object.keys(ns).filter((n) => n !== 'default').sort();
    const sameAsDefault = names.filter((n) => ns[n] === ns.default[n]).length;
    const url = import.meta.resolve('@tensorflow/tfjs');
    console.log(JSON.stringify({ names, sameAsDefault, url }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8' });
  return JSON.parse(out) as { names: string[]; sameAsDefault: number; url: string };
}

describe('CommonJS facades', () => {
  it('tfjs through its facade exports every name Node finds in the bundle, each the bundle\'s own value', () => {
    expect(tf.version_core).toBeDefined();
    const native = namespaceOf(false);
    const faced = namespaceOf(true);
    expect(native.url).toBe(pathToFileURL(TFJS).href);
    expect(faced.url).toBe(`algobench-cjs-facade:${pathToFileURL(TFJS).href}`);
    // Node's lexer found these names in the bundle's source (hundreds: the union package).
    expect(native.names.length).toBeGreaterThan(400);
    for (const name of native.names) expect(faced.names, name).toContain(name);
    // Every export is the property of the module object under its name.
    expect(faced.sameAsDefault).toBe(faced.names.length);
    expect(native.sameAsDefault).toBe(native.names.length);
  }, 60_000);

  it('lists only the packages this process has loaded, and loads none', () => {
    // This file imports tfjs but never the wasm backend.
    expect(require.cache[TFJS]).toBeDefined();
    expect(require.cache[WASM]).toBeUndefined();
    const table = cjsFacades();
    expect(Object.keys(table)).toEqual([pathToFileURL(TFJS).href]);
    expect(require.cache[WASM]).toBeUndefined();
    const names = table[pathToFileURL(TFJS).href]!.names;
    expect(names).toContain('matMul');
    expect(names).toContain('setBackend');
    expect(names).not.toContain('default');
  });

  it('takes over an import only where it resolves to a file of the table', async () => {
    const tfjsUrl = pathToFileURL(TFJS).href;
    initialize({ facades: { [tfjsUrl]: { path: TFJS, names: ['matMul', 'delete'] } } });
    const next = (url: string) => async () => ({ url });
    // A specifier that resolves elsewhere (say, a submission's own copy of the package) stays as it was.
    const elsewhere = 'file:///somewhere/node_modules/@tensorflow/tfjs/dist/tf.node.js';
    expect(await resolve('@tensorflow/tfjs', {}, next(elsewhere))).toEqual({ url: elsewhere });
    const faced = await resolve('@tensorflow/tfjs', {}, next(tfjsUrl));
    expect(faced).toMatchObject({ format: 'module', shortCircuit: true });
    expect(faced.url).not.toBe(tfjsUrl);
    // Its source requires the file and exports its properties, reserved words included.
    const { source } = (await load(faced.url, {}, () => {
      throw new Error('not passed on');
    })) as { source: string };
    expect(source).toContain(`createRequire(${JSON.stringify(TFJS)})(${JSON.stringify(TFJS)})`);
    const module = await import(`data:text/javascript,${encodeURIComponent(source)}`);
    expect(module.matMul).toBe(tf.matMul);
    expect(module.delete).toBeUndefined();
    expect(module.default).toBe(require(TFJS));
    // Anything else goes on down the chain.
    expect(await load('file:///x.js', {}, (url: string) => ({ passed: url }))).toEqual({ passed: 'file:///x.js' });
  });
});
