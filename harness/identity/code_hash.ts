/**
 * Content hashes of the code that produces a trial, so that a stored result is tied
 * to it: a submission module with the local files it imports, a search space, a
 * workload definition. Editing any of them gives a new hash, and a new hash is a new
 * trial (resume runs it again; leaderboards never pool two versions).
 *
 * The import graph is followed through relative specifiers and the package names
 * `algobench/kit` and `algobench/spec`; npm packages are identified by the lockfile,
 * and the harness itself (files under harness/) by the algobench version, so neither
 * is hashed here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localImportClosure } from '../core/import_closure.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * sha256 (hex) over the files reached from `entry`: each file's path relative to the
 * entry's folder and its bytes. The same sources in another folder hash the same.
 */
export function sourceHash(entry: string): string {
  const root = dirname(resolve(entry));
  const hash = createHash('sha256');
  for (const file of localImportClosure(entry)) {
    hash.update(relative(root, file).split(sep).join('/')).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** sha256 (hex) of a file's bytes. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
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
