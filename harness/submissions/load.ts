/**
 * Finding and loading submissions: a name of a folder under submissions/ or a path
 * to a .ts/.js module anywhere (tsx runs TypeScript without a build step). The
 * module's default export (or its `submission` export) must satisfy the contract at
 * run time; a search_space.json beside it is its external-tuning search space. It
 * imports the kit and the contract as `algobench/kit` and `algobench/spec`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlgobenchError, errorMessage } from '../core/errors.ts';
import { registerEntryPointResolution } from '../core/package_entry_points.ts';
import type { Submission } from '../spec.ts';
import { loadSearchSpace, type SearchSpace } from '../tuning/search_space.ts';

export const SUBMISSIONS_DIR = fileURLToPath(new URL('../../submissions/', import.meta.url));
const MODULE_NAMES = ['submission.ts', 'submission.js', 'index.ts', 'index.js'];
const NOT_SUBMISSIONS = new Set(['kit']);

/** A submission as the run knows it: where it is and what it tunes over. */
export interface SubmissionRef {
  readonly name: string;
  readonly modulePath: string;
  /** Absent for self-tuning submissions. */
  readonly searchSpace?: SearchSpace;
  /**
   * The file `searchSpace` was read from, when it is not the search_space.json beside
   * the module (a run's `searchSpaces`); its bytes are the search space's identity.
   */
  readonly searchSpaceFile?: string;
}

/** A submission imported into this process (trusted code only: the reference baselines, tests). */
export interface LoadedSubmission extends SubmissionRef {
  readonly submission: Submission;
}

/**
 * The search space beside a module, read as data (no submission code runs), or the
 * one in `file` instead, which must exist.
 */
export function searchSpaceOf(modulePath: string, file?: string): SearchSpace | undefined {
  if (file !== undefined) return loadSearchSpace(file);
  const spacePath = searchSpacePath(modulePath);
  return existsSync(spacePath) ? loadSearchSpace(spacePath) : undefined;
}

/** The search space of a submission and, when it is not the one beside the module, its file. */
export function searchSpaceFields(modulePath: string, file?: string): Pick<SubmissionRef, 'searchSpace' | 'searchSpaceFile'> {
  const searchSpace = searchSpaceOf(modulePath, file);
  if (searchSpace === undefined) return {};
  return file === undefined ? { searchSpace } : { searchSpace, searchSpaceFile: resolve(file) };
}

/** Names of the submissions shipped in submissions/. */
export function listSubmissionNames(): string[] {
  return readdirSync(SUBMISSIONS_DIR)
    .filter((entry) => !NOT_SUBMISSIONS.has(entry) && !entry.startsWith('_'))
    .filter((entry) => moduleIn(join(SUBMISSIONS_DIR, entry)) !== undefined)
    .sort();
}

function moduleIn(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  return MODULE_NAMES.map((f) => join(dir, f)).find((p) => existsSync(p));
}

/** The module file a submission reference names (folder name, file or folder path). */
export function resolveModulePath(ref: string): string {
  const looksLikePath = ref.includes('/') || ref.includes('\\') || ['.ts', '.js', '.mts', '.mjs'].includes(extname(ref));
  if (!looksLikePath) {
    const found = moduleIn(join(SUBMISSIONS_DIR, ref));
    if (found === undefined) {
      throw new AlgobenchError(
        'E_UNKNOWN_SUBMISSION',
        `unknown submission "${ref}"; run "algobench list" for the shipped ones, or pass a path to a .ts/.js module`,
      );
    }
    return found;
  }
  const path = resolve(ref);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const found = moduleIn(path);
    if (found !== undefined) return found;
  } else if (existsSync(path)) {
    return path;
  }
  throw new AlgobenchError('E_UNKNOWN_SUBMISSION', `submission module "${ref}" not found; check the path`);
}

const REQUIRED = ['getBatchSize', 'init', 'update'] as const;
const OPTIONAL = ['selectData', 'prepareForEval'] as const;

/** Checks the run-time shape of a module's export; returns one problem per line. */
export function contractProblems(candidate: unknown): string[] {
  if (candidate === null || typeof candidate !== 'object') {
    return ['the module exports no submission object; export default defineSubmission({...}) or an object with getBatchSize, init and update'];
  }
  const obj = candidate as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof obj['name'] !== 'string' || obj['name'] === '') problems.push('the submission has no "name" string; add name: "my_submission"');
  for (const fn of REQUIRED) {
    if (typeof obj[fn] !== 'function') problems.push(`the submission has no ${fn}() function; add it (see docs/submitting.md)`);
  }
  for (const fn of OPTIONAL) {
    if (obj[fn] !== undefined && typeof obj[fn] !== 'function') problems.push(`"${fn}" must be a function when present`);
  }
  return problems;
}

/**
 * Imports a submission module and returns its candidate export, unchecked. The
 * module may import `algobench/kit` and `algobench/spec` from anywhere: they resolve
 * to this algobench's files (package_entry_points.ts).
 */
export async function importSubmissionModule(modulePath: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    registerEntryPointResolution();
    mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (err) {
    const message = errorMessage(err).split('\n')[0] ?? '';
    // A .ts file outside an ES-module package is compiled as CommonJS, which cannot
    // import the kit; the fix is a one-line package.json or the .mts extension.
    const hint = /require\(\) ES Module|Cannot use import statement|ERR_REQUIRE/.test(message)
      ? '; it was loaded as CommonJS: add a package.json with {"type": "module"} beside it, or name it .mts'
      : /package 'algobench'|subpath '[^']*' is not defined by "exports"/.test(message)
        ? '; of algobench, a submission imports only "algobench/kit" and "algobench/spec"'
        : '';
    throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath} failed to load: ${message}${hint}`);
  }
  return mod['default'] ?? mod['submission'];
}

/** The search space beside a module, if there is one. */
export function searchSpacePath(modulePath: string): string {
  return join(dirname(modulePath), 'search_space.json');
}

/** Imports a submission; `searchSpaceFile` replaces the search_space.json beside it. */
export async function loadSubmission(ref: string, searchSpaceFile?: string): Promise<LoadedSubmission> {
  const modulePath = resolveModulePath(ref);
  const candidate = await importSubmissionModule(modulePath);
  const problems = contractProblems(candidate);
  if (problems.length > 0) {
    throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath}: ${problems.join('; ')}`);
  }
  const submission = candidate as Submission;
  return { name: submission.name, modulePath, submission, ...searchSpaceFields(modulePath, searchSpaceFile) };
}
