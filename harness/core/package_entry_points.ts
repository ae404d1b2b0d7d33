/**
 * The package names a submission imports algobench by: `algobench/kit` (the kit,
 * submissions/kit/index.ts, which also re-exports `tf` and the contract's main types)
 * and `algobench/spec` (the contract, harness/spec.ts). Nothing else of algobench is
 * public to submissions.
 *
 * Three ways make the names resolve, all to the same files:
 * - inside this repository, package.json's "exports" map (Node's self-reference);
 * - for a submission anywhere else, loaded by `algobench run` or `validate`, a Node
 *   module resolve hook (kit_resolve_hooks.mjs) that `registerEntryPointResolution`
 *   registers before the submission is imported: it maps the names to the files of
 *   the algobench that is running, whatever node_modules the submission's folder has,
 *   so the submission shares the harness's TensorFlow.js engine;
 * - for an editor or tsc in the submission's folder, `npm install /path/to/algobench`
 *   (the exports map again) or the tsconfig.json `paths` that `new-submission` writes.
 */
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'algobench';

/** Public specifier → file, relative to the repository root. package.json "exports" mirrors it. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = Object.freeze({
  'algobench/kit': 'submissions/kit/index.ts',
  'algobench/spec': 'harness/spec.ts',
});

const ROOT_URL = new URL('../../', import.meta.url);

/** The file URL each public specifier resolves to in this algobench. */
export function entryPointUrls(): Record<string, string> {
  return Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, file]) => [spec, new URL(file, ROOT_URL).href]));
}

/** The absolute path each public specifier resolves to in this algobench. */
export function entryPointPaths(): Record<string, string> {
  return Object.fromEntries(Object.entries(entryPointUrls()).map(([spec, url]) => [spec, fileURLToPath(url)]));
}

/** `algobench` or `algobench/…`: a specifier naming this package. */
export function namesAlgobench(specifier: string): boolean {
  return specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`);
}

/** One of the public entry points (`algobench/kit`, `algobench/spec`). */
export function isPublicEntryPoint(specifier: string): boolean {
  return Object.hasOwn(ENTRY_POINTS, specifier);
}

let registered = false;

/**
 * Registers the resolve hook that maps `algobench/kit` and `algobench/spec` to this
 * algobench's files, once per process; later imports (the submission's) see it. The
 * hook runs before tsx's resolver and leaves every other specifier to it, so tsx
 * still compiles the TypeScript it resolves to.
 */
export function registerEntryPointResolution(): void {
  if (registered) return;
  registered = true;
  register(new URL('./kit_resolve_hooks.mjs', import.meta.url), { data: { entryPoints: entryPointUrls() } });
}
