// Node module resolve hook (node:module register), registered by
// harness/core/package_entry_points.ts before a submission is imported: `algobench/kit`
// and `algobench/spec` resolve to the files of the algobench that is running, from
// wherever the submission sits. Every specifier goes on down the chain (tsx).
// Plain JavaScript: it runs on Node's loader thread, with or without tsx.

/** @type {Record<string, string>} */
let entryPoints = {};

/** @param {{ entryPoints?: Record<string, string> } | undefined} data */
export function initialize(data) {
  entryPoints = { ...(data?.entryPoints ?? {}) };
}

/**
 * @param {string} specifier
 * @param {unknown} context
 * @param {(specifier: string, context: unknown) => unknown} nextResolve
 */
export function resolve(specifier, context, nextResolve) {
  // The file URL goes on down the chain rather than short-circuiting: tsx's resolver
  // marks TypeScript files for its loader, which otherwise refuses ".ts".
  return nextResolve(entryPoints[specifier] ?? specifier, context);
}
