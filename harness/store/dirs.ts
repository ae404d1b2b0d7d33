/**
 * Directories the store and the outputs (report, export) are written into: created
 * one level at a time (Node's recursive mkdir can spin forever under pseudo file
 * systems such as /proc; one level at a time just fails), and checked for being
 * writable before any heavy work, so that a bad --out fails at once with one line.
 */
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AlgobenchError, setting } from '../core/errors.ts';
import { errnoText } from './faults.ts';

/** The nearest ancestor of `path` (itself included) that exists. */
export function existingAncestor(path: string): string {
  let dir = path;
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/**
 * Creates missing directories one level at a time; throws the system error of the
 * level that fails. The directories it created are appended to `created`, outermost first.
 */
export function ensureDir(dir: string, created: string[] = []): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) {
      throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
    }
    return;
  }
  const up = dirname(dir);
  if (up !== dir) ensureDir(up, created);
  mkdirSync(dir);
  created.push(dir);
}

/** Removes the (empty) directories a failed prepareOutDir created, innermost first. */
function removeCreated(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty or already gone: leave it
    }
  }
}

/** Bytes of the probe written into an output directory (one page: a full disk refuses it). */
const PROBE_BYTES = 4096;

/**
 * Makes sure `out` is a directory this process can write files into, creating it if
 * needed, and returns its absolute path. Fails at once, with one line (E_USAGE) that
 * names `out` and says what is wrong, when a part of the path is a regular file, the
 * place is read-only or a pseudo file system, or the disk is full. `what` names the
 * output in the message ("the report").
 */
export function prepareOutDir(out: string, what: string): string {
  const full = resolve(out);
  const fail = (reason: string): AlgobenchError =>
    new AlgobenchError('E_USAGE', `cannot write ${what} to ${out}: ${reason}; pass ${setting('outDir')} with a writable directory`);
  const ancestor = existingAncestor(full);
  let isDir: boolean;
  try {
    isDir = statSync(ancestor).isDirectory();
  } catch (err) {
    throw fail(`${ancestor}: ${errnoText(err)}`);
  }
  if (!isDir) throw fail(ancestor === full ? 'it is a file, not a directory' : `${ancestor} is a file, not a directory`);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch (err) {
    throw fail(`${ancestor}: ${errnoText(err)}`);
  }
  const created: string[] = [];
  try {
    ensureDir(full, created);
  } catch (err) {
    removeCreated(created);
    throw fail(`cannot create it: ${errnoText(err)}`);
  }
  // A real write: a read-only mount, a pseudo file system or a full disk refuses it.
  const probe = join(full, `.algobench-write-test-${process.pid}`);
  try {
    writeFileSync(probe, Buffer.alloc(PROBE_BYTES));
  } catch (err) {
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
    removeCreated(created);
    throw fail(`cannot write a file in it: ${errnoText(err)}`);
  }
  unlinkSync(probe);
  return full;
}

/** Free bytes for this user on the file system holding `dir`; undefined when unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before writing anything, to write `bytes` into `dir` when its file system
 * has less free (plus a margin for file system overhead).
 */
export function assertRoomFor(dir: string, bytes: number, out: string, what: string): void {
  const free = freeBytes(dir);
  const need = bytes + 64 * 1024;
  if (free !== undefined && free < need) {
    throw new AlgobenchError(
      'E_USAGE',
      `cannot write ${what} to ${out}: it needs ${mib(need)} and the disk has ${mib(free)} free (ENOSPC); free space or pass ${setting('outDir')} with another directory`,
    );
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/**
 * The one-line error for a system error met while writing `what` into `out` (a disk
 * that filled up during the write, say); anything else is returned as it was.
 */
export function outputFault(err: unknown, out: string, what: string): unknown {
  if (err instanceof AlgobenchError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  return new AlgobenchError('E_USAGE', `cannot write ${what} to ${out}: ${errnoText(err)}; free space or pass ${setting('outDir')} with a writable directory`, {
    cause: err,
  });
}
