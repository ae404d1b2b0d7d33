// Node module hooks (node:module register) that give big CommonJS packages an ES-module
// face whose export names are already known (harness/core/cjs_facades.ts says why and
// computes them). Registered by the CLI (harness/cli/main.ts) and by every trial's
// process (trial_bootstrap.mjs). Plain JavaScript: it runs on Node's loader thread.
//
// resolve: a specifier is resolved as it would have been (down the chain); only when it
// lands on one of the files in the table does the module become its facade, so whatever
// resolved elsewhere (a submission's own copy of a package) stays as it was.
// load: the facade's source — require the file (CommonJS, cached after the first) and
// export its properties under the names in the table, and the object as the default.

const SCHEME = 'algobench-cjs-facade:';

/** @type {Record<string, { path: string, names: string[] }>} file URL → the file's path and export names */
let facades = {};

/** @param {{ facades?: Record<string, { path: string, names: string[] }> } | undefined} data */
export function initialize(data) {
  facades = { ...(data?.facades ?? {}) };
}

/**
 * @param {string} specifier
 * @param {unknown} context
 * @param {(specifier: string, context: unknown) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!Object.hasOwn(facades, resolved.url)) return resolved;
  return { url: `${SCHEME}${resolved.url}`, format: 'module', shortCircuit: true };
}

/**
 * @param {string} url
 * @param {unknown} context
 * @param {(url: string, context: unknown) => unknown} nextLoad
 */
export function load(url, context, nextLoad) {
  if (!url.startsWith(SCHEME)) return nextLoad(url, context);
  const facade = facades[url.slice(SCHEME.length)];
  if (facade === undefined) throw new Error(`no CommonJS facade for ${url}`);
  const lines = [
    `import { createRequire } from 'node:module';`,
    `const m = createRequire(${JSON.stringify(facade.path)})(${JSON.stringify(facade.path)});`,
    'export default m;',
    ...facade.names.map((name, i) => `const e${i} = m[${JSON.stringify(name)}];`),
    `export { ${facade.names.map((name, i) => `e${i} as ${JSON.stringify(name)}`).join(', ')} };`,
  ];
  return { format: 'module', source: lines.join('\n'), shortCircuit: true };
}
