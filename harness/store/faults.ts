/**
 * Store faults: what a failing SQLite call (a full disk, a read-only file, a missing
 * table, a foreign or damaged file) becomes. Each is one AlgobenchError line with code
 * E_STORE that names the database file, what failed and the fix. These are failures of
 * the infrastructure, never of a submission: a caller that runs trials must not record
 * one as the trial's error (see isStoreFault).
 */
import { AlgobenchError, errorMessage, setting } from '../core/errors.ts';

/** A SQLite error as better-sqlite3 throws it (SqliteError: a `code` such as SQLITE_FULL). */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Whether `err` is a store fault (E_STORE): the database or its disk failed, not the trial. */
export function isStoreFault(err: unknown): err is AlgobenchError {
  return err instanceof AlgobenchError && err.code === 'E_STORE';
}

/** One line: newlines and runs of blanks collapsed. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

interface Diagnosis {
  readonly what: string;
  readonly fix: string;
}

const RESUME = 're-run the same command to resume';
const ELSEWHERE = `move it aside (it may hold results worth keeping) or pass ${setting('dbPath')} with another file`;

function diagnose(code: string, message: string): Diagnosis {
  if (code === 'SQLITE_FULL') return { what: 'disk full', fix: `free space, then ${RESUME}` };
  if (code.startsWith('SQLITE_READONLY')) {
    return { what: 'the file, its folder or its disk is read-only', fix: `make it writable (or pass ${setting('dbPath')} with a writable copy), then ${RESUME}` };
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return { what: 'cannot open the file or its -wal/-shm files', fix: `check that the file and its folder exist and can be written, then ${RESUME}` };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { what: 'locked by another process for too long', fix: `wait for the other process (another algobench run on this file?), then ${RESUME}` };
  }
  if (code === 'SQLITE_NOTADB') return { what: 'not an SQLite database', fix: ELSEWHERE };
  if (code.startsWith('SQLITE_CORRUPT')) return { what: 'the file is damaged', fix: ELSEWHERE };
  if (code.startsWith('SQLITE_IOERR')) {
    if (/disk is full|no space/i.test(message)) return { what: 'disk full', fix: `free space, then ${RESUME}` };
    return { what: 'I/O error', fix: `check the disk (is it full, unmounted or failing?), then ${RESUME}` };
  }
  const table = /no such table: (\S+)/.exec(message)?.[1];
  if (table !== undefined) return { what: `it has no table "${table}" (damaged, or not an algobench database)`, fix: ELSEWHERE };
  const column = /no such column: (\S+)|has no column named (\S+)/.exec(message);
  if (column !== null) {
    return { what: `it lacks column "${column[1] ?? column[2]}" (damaged, or not an algobench database)`, fix: ELSEWHERE };
  }
  return { what: oneLine(message), fix: `check the file, then ${RESUME}` };
}

/**
 * The E_STORE error for `err` thrown by SQLite while doing `action` ("recording an
 * eval") on the database at `path`. Anything that is not a SQLite error is returned
 * as it was (a bug should keep its stack), and so is an AlgobenchError.
 */
export function storeFault(path: string, action: string, err: unknown): unknown {
  if (err instanceof AlgobenchError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return err;
  const message = errorMessage(err);
  const { what, fix } = diagnose(code, message);
  const detail = what === oneLine(message) ? what : `${what} (${code}: ${oneLine(message)})`;
  return new AlgobenchError('E_STORE', `results database ${path}: ${detail} while ${action}; ${fix}`, { cause: err });
}

/** The short name of a Node system error: "read-only file system (EROFS)". */
export function errnoText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const known: Record<string, string> = {
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is not a directory',
    ENOENT: 'no such file or directory',
    EEXIST: 'already exists',
    EISDIR: 'is a directory',
    EIO: 'I/O error',
    ENAMETOOLONG: 'name too long',
    ELOOP: 'too many symbolic links',
  };
  if (typeof code === 'string') return `${known[code] ?? oneLine(errorMessage(err))} (${code})`;
  return oneLine(errorMessage(err));
}
