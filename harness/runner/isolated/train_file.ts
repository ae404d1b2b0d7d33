/**
 * The training split handed to a trial's process as a file instead of inside its start
 * message. The IPC channel's structured clone of MNIST's 24 MB split took the trial
 * process ~0.4 s to receive after it had loaded (each trial, before its first step);
 * reading the file and viewing its typed arrays in place takes ~0.1 s. Each trial gets
 * a folder of its own, made before its process starts (the one such path it may read:
 * sandbox.ts's extra readable paths), filled while that process loads its modules, and
 * removed when the trial ends; whatever is left goes when this process exits. The split
 * is the trial's own training data: reading the file teaches a submission nothing it
 * is not handed anyway.
 *
 * Layout: the typed arrays' bytes one after the other, each at a multiple of 8 bytes;
 * the manifest (each array's kind, offset and length, and the split's other fields,
 * such as its format tag) travels in the start message.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainData } from '../../spec.ts';

const ARRAY_KINDS = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint8ClampedArray,
  Uint16Array,
  Uint32Array,
} as const;
type ArrayKind = keyof typeof ARRAY_KINDS;

/** What a trial's process needs to read a split back: the file and its manifest. */
export interface TrainDataFile {
  readonly path: string;
  readonly bytes: number;
  readonly arrays: Readonly<Record<string, { readonly kind: ArrayKind; readonly offset: number; readonly length: number }>>;
  /** The split's fields that are not typed arrays (a format tag, a vocabulary size), as they are. */
  readonly plain: Readonly<Record<string, unknown>>;
}

/** An array's kind by its tag (not instanceof: the split may come from another realm). */
function kindOf(value: unknown): ArrayKind | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag in ARRAY_KINDS ? (tag as ArrayKind) : undefined;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

let root: string | undefined;

/** This process's folder of trial folders, made on first use and removed when the process exits. */
function rootDir(): string {
  if (root === undefined) {
    root = mkdtempSync(join(tmpdir(), 'algobench-train-'));
    const made = root;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return root;
}

/** The trial folders this process has and has not yet removed (none before the first). */
export function trialDataDirsLeft(): string[] {
  return root === undefined ? [] : readdirSync(root);
}

/** A fresh, empty folder for one trial's split (private to this user). */
export function trainDataDir(): string {
  return mkdtempSync(join(rootDir(), 'trial-'));
}

/**
 * Removes a trial's folder and its file. A failure to remove (out of file descriptors,
 * say) must not fail the trial: the folder is then left for the root's removal at exit.
 */
export function removeTrainDataDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Left for the root's removal at exit.
  }
}

/** Writes `split` into `dir` (a folder from trainDataDir) and returns what the trial's process needs to read it. */
export function writeTrainDataFile(dir: string, split: TrainData): TrainDataFile {
  const path = join(dir, 'train.bin');
  const arrays: Record<string, TrainDataFile['arrays'][string]> = {};
  const plain: Record<string, unknown> = {};
  const fd = openSync(path, 'wx', 0o600);
  let offset = 0;
  try {
    for (const [name, value] of Object.entries(split)) {
      const kind = kindOf(value);
      if (kind === undefined) {
        plain[name] = value;
        continue;
      }
      const view = value as ArrayBufferView & { length: number };
      offset = align8(offset);
      writeSync(fd, new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 0, view.byteLength, offset);
      arrays[name] = { kind, offset, length: view.length };
      offset += view.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  return { path, bytes: offset, arrays, plain };
}

/** The split back from its file, in a trial's process: one read, each array a view into it. */
export function readTrainDataFile(file: TrainDataFile): TrainData {
  const bytes = readFileSync(file.path);
  if (bytes.byteLength !== file.bytes) {
    throw new Error(`the training split's file ${file.path} holds ${bytes.byteLength} bytes, its manifest says ${file.bytes}`);
  }
  const out: Record<string, unknown> = { ...file.plain };
  for (const [name, { kind, offset, length }] of Object.entries(file.arrays)) {
    const Kind = ARRAY_KINDS[kind] as unknown as { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): ArrayBufferView; readonly BYTES_PER_ELEMENT: number };
    const at = bytes.byteOffset + offset;
    // A view where the buffer allows it (readFileSync's own buffer starts aligned); a copy otherwise.
    out[name] = at % Kind.BYTES_PER_ELEMENT === 0 ? new Kind(bytes.buffer, at, length) : new Kind(bytes.buffer.slice(at, at + length * Kind.BYTES_PER_ELEMENT));
  }
  return out;
}
