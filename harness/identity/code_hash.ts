/**
 * Content hashes of the code that produces a trial, so that a stored result is tied
 * to it: a submission module with the local files it imports, a search space, a
 * workload definition. Editing any of them gives a new hash, and a new hash is a new
 * trial (resume runs it again; leaderboards never pool two versions).
 *
 * A submission is every file its trial can read (`submissionHash`: its whole folder,
 * as the sandbox allows, and what it imports from outside it, the kit through
 * `algobench/kit`); a workload is its definition's import graph (`sourceHash`). The
 * import graph is followed through relative specifiers and the package names
 * `algobench/kit` and `algobench/spec`; npm packages imported by name are identified by
 * their installed versions (`hashPackages`), and the harness itself
 * (files under harness/) by the trial's own inputs that it derives (its seed, its
 * hyperparameters, its budget: keyed per trial in plan.ts) and by the algobench
 * version, recorded with every trial.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from '../core/errors.ts';
import { localImportClosure, packageImports } from '../core/import_closure.ts';
import { within } from '../core/paths.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A submission folder larger than this is refused: its trials could read all of it, and hashing it all per run would be slow. */
export const SUBMISSION_FOLDER_LIMIT = { files: 2000, bytes: 64 * 2 ** 20 };

/**
 * Files of a submission's folder that do not make it: documentation; search spaces and
 * lists of points (`search_space*.json`, `tuning_points*.json`: hashed on their own where
 * a trial draws from one); what algobench writes (SQLite stores and their journals,
 * reports, CSV exports, logs: a run started in the folder would change its own key);
 * hidden files.
 */
const NOT_CODE = /(\.md$)|(^(search_space|tuning_points)[^/]*\.json$)|(\.(sqlite|db)(-wal|-shm|-journal)?$)|(\.(html|csv|log)$)|(^\.)/i;
/** Folders never walked: installed packages (identified by their versions), version control, hidden folders, and algobench's default output folders. */
const SKIPPED_DIRS = /^(node_modules|results|reports|\..*)$/;

/** Every file under `dir` (links to files followed, links to folders not), except NOT_CODE and SKIPPED_DIRS. */
function folderFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.test(entry.name)) walk(path);
      } else if ((entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile() === true)) && !NOT_CODE.test(entry.name)) {
        out.push(path);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * sha256 (hex) of everything a submission's trial can read and run: every file of its
 * folder (the sandbox lets the trial read all of them: a helper loaded by a computed
 * `import()`, `require` or `readFileSync` changes the result as much as an imported one),
 * except documentation and search-space files, and every local file its imports reach
 * outside the folder (the kit, through `algobench/kit`). Each file counts by a name and
 * its bytes: a file of the folder by its path in the folder, one of algobench by its
 * path in algobench (so the same sources in another folder or another checkout hash the
 * same), any other by its path from the folder. A folder over SUBMISSION_FOLDER_LIMIT is
 * refused with E_USAGE.
 */
export function submissionHash(modulePath: string): string {
  const entry = resolve(modulePath);
  const folder = dirname(entry);
  const own = folderFiles(folder);
  const bytes = own.reduce((n, f) => n + statSync(f).size, 0);
  if (own.length > SUBMISSION_FOLDER_LIMIT.files || bytes > SUBMISSION_FOLDER_LIMIT.bytes) {
    throw new AlgobenchError(
      'E_USAGE',
      `submission ${modulePath}: its folder ${folder} holds ${own.length} files (${(bytes / 2 ** 20).toFixed(1)} MiB), and its trials may read every one, so each counts in its identity; ` +
        `put the submission in a folder of its own (at most ${SUBMISSION_FOLDER_LIMIT.files} files, ${SUBMISSION_FOLDER_LIMIT.bytes / 2 ** 20} MiB, documentation and node_modules aside)`,
    );
  }
  const name = (f: string): string =>
    within(f, folder) ? relative(folder, f) : within(f, REPO_ROOT) ? `algobench:${relative(REPO_ROOT, f)}` : relative(folder, f);
  const files = new Map<string, string>();
  for (const f of [...own, ...localImportClosure(entry)]) files.set(name(f).split(sep).join('/'), f);
  const hash = createHash('sha256');
  for (const label of [...files.keys()].sort()) hash.update(label).update('\0').update(readFileSync(files.get(label)!)).update('\0');
  hashPackages(hash, [...files.values()]);
  return hash.digest('hex');
}

/**
 * sha256 (hex) over the files reached from `entry`: each file's path relative to the
 * entry's folder and its bytes; then each npm package they import, by name and the
 * version installed where Node would find it from the entry (a data package's update
 * changes the data). The same sources in another folder hash the same.
 */
export function sourceHash(entry: string): string {
  const root = dirname(resolve(entry));
  const hash = createHash('sha256');
  const files = localImportClosure(entry);
  for (const file of files) {
    hash.update(relative(root, file).split(sep).join('/')).update('\0').update(readFileSync(file)).update('\0');
  }
  hashPackages(hash, files);
  return hash.digest('hex');
}

/** The version of npm package `name` as Node resolves it from `fromDir` (the nearest node_modules holding it), or 'not installed'. */
export function installedVersion(name: string, fromDir: string): string {
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    try {
      return String((JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown }).version);
    } catch {
      if (dirname(dir) === dir) return 'not installed';
    }
  }
}

/**
 * Adds `package:<name>@<version>` for every npm package `files` import by name, each
 * version as Node resolves it from the file that imports it (the kit's tfjs from the
 * kit, a submission's own package from its folder); a package imported at two versions
 * counts at both. (Packages loaded by `require` are not seen: the folder's files are
 * hashed, its node_modules are not.)
 */
function hashPackages(hash: ReturnType<typeof createHash>, files: readonly string[]): void {
  const seen = new Set<string>();
  for (const file of files) for (const name of packageImports([file])) seen.add(`package:${name}@${installedVersion(name, dirname(file))}`);
  for (const entry of [...seen].sort()) hash.update(entry).update('\0');
}

/** sha256 (hex) of a canonical JSON rendering of a value (object keys sorted). */
export function jsonHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}

/** The definition file of a fixed workload (its folder's index.ts). */
export function workloadEntry(name: string): string {
  return join(REPO_ROOT, 'workloads', name, 'index.ts');
}
