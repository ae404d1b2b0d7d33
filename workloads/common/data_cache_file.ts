/**
 * The data cache's file (workloads/common/data_cache.ts decides when to read and
 * write one): an 8-byte magic, the header's length (uint32, little-endian), the
 * header (JSON: format, data set, key, each field's name, kind, length and bytes, the
 * payload's checksum), then the payload, each field's bytes in the header's order
 * (a typed array's own bytes; a string list as JSON text).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import zlib from 'node:zlib';

/** Bumped whenever the file layout or the key's inputs change. */
export const DATA_CACHE_FORMAT = 1;

const MAGIC = Buffer.from('ALGODATA', 'latin1');
/** Magic, then the header's length (uint32, little-endian), then the header (JSON), then the payload. */
const PREAMBLE = MAGIC.length + 4;
/** A header longer than this is garbage, not a header. */
const MAX_HEADER = 1 << 20;
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

/** What the file records of a data set besides its values. */
export interface DatasetShape<S extends FieldSpec> {
  readonly name: string;
  readonly fields: S;
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
export function writeDataCacheFile<S extends FieldSpec>(file: string, dataset: DatasetShape<S>, key: string, value: Fields<S>): boolean {
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
export function readDataCacheFile<S extends FieldSpec>(file: string, dataset: DatasetShape<S>, key: string): Fields<S> | undefined {
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
