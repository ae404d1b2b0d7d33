// Module hooks of a trial's process (registered by trial_bootstrap.mjs, on Node's
// loader thread). Plain JavaScript, so that the process needs no TypeScript compiler:
// - resolve: `algobench/kit` and `algobench/spec` to this algobench's files, as
//   kit_resolve_hooks.mjs does in the parent; `./x.js` to `./x.ts` where only the
//   TypeScript file exists (the TypeScript convention tsx also accepts);
// - load: a `.ts`/`.mts` file from the tree the parent compiled (compile.ts); a file
//   that is not in it is refused with a message, never compiled here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {{ entryPoints: Record<string, string>, compiledDirs: string[], root: string }} */
let config = { entryPoints: {}, compiledDirs: [], root: '' };

/** @param {{ entryPoints: Record<string, string>, compiledDirs: string[], root: string }} data */
export function initialize(data) {
  config = data;
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context: unknown) => unknown} nextResolve
 */
export function resolve(specifier, context, nextResolve) {
  const mapped = config.entryPoints[specifier];
  if (mapped !== undefined) return { url: mapped, shortCircuit: true, format: 'module' };
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const asJs = new URL(specifier, context.parentURL);
    const asTs = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(fileURLToPath(asJs)) && compiled(fileURLToPath(asTs)) !== undefined) return { url: asTs.href, shortCircuit: true, format: 'module' };
  }
  return nextResolve(specifier, context);
}

/**
 * Whether the nearest package.json above a file says "type": "module".
 * @param {string} path
 */
function inModulePackage(path) {
  let dir = dirname(path);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

/**
 * The compiled file of a source file, if the parent compiled it.
 * @param {string} path
 * @returns {string | undefined}
 */
function compiled(path) {
  for (const dir of config.compiledDirs) {
    const file = `${dir}${path}.js`;
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * @param {string} url
 * @param {unknown} context
 * @param {(url: string, context: unknown) => unknown} nextLoad
 */
export function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.m?ts$/.test(new URL(url).pathname)) {
    const path = fileURLToPath(url);
    const file = compiled(path);
    if (file === undefined) {
      throw new Error(`${path} was not compiled for the trial; a submission imports only files in its own folder, algobench/kit and algobench/spec, and npm packages`);
    }
    // algobench's own files are ES modules (its package.json says so).
    if (path.endsWith('.ts') && !path.startsWith(config.root) && !inModulePackage(path)) {
      // As Node and tsx treat it: a .ts file outside an ES-module package is CommonJS,
      // which cannot import the kit. Said the way importSubmissionModule explains it.
      throw new Error(`Cannot use import statement outside a module (${path} is not in a package with "type": "module")`);
    }
    return { format: 'module', source: readFileSync(file, 'utf8'), shortCircuit: true };
  }
  return nextLoad(url, context);
}

