/**
 * Output directories (harness/store/dirs.ts) and the export writer on real file
 * systems: prepareOutDir creates what is missing one level at a time and refuses, with
 * one line naming the path, a file on the path, a pseudo file system, a read-only
 * mount and a full disk, removing any folder it created; writeExports refuses a disk
 * without room for its files before writing any of them.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExports } from '../../harness/report/exports.ts';
import { prepareOutDir } from '../../harness/store/dirs.ts';
import { Store } from '../../harness/store/store.ts';
import { unfinishedNote } from '../../harness/cli/report_command.ts';
import { cleanupDirs, hardware, key, newTrial, NO_MOUNT_REASON, reached, tempDir, TmpfsMount, unmountAll } from './_fixtures.ts';
import { expectCodedError } from '../_coded_error.ts';

afterAll(() => {
  unmountAll();
  cleanupDirs();
});

const skipNote = NO_MOUNT_REASON === undefined ? '' : ` (skipped: ${NO_MOUNT_REASON})`;

function usageError(fn: () => unknown, ...fragments: string[]): string {
  return expectCodedError(fn, 'E_USAGE', ...fragments).message;
}

describe('prepareOutDir', () => {
  it('creates missing levels and leaves no probe file behind', () => {
    const dir = tempDir();
    const out = join(dir, 'a', 'b', 'c');
    expect(prepareOutDir(out, 'the report')).toBe(out);
    expect(readdirSync(out)).toEqual([]);
    expect(prepareOutDir(out, 'the report')).toBe(out);
  });

  it('refuses a regular file as the folder or on its path, creating nothing', () => {
    const dir = tempDir();
    const file = join(dir, 'f.txt');
    writeFileSync(file, 'x');
    usageError(() => prepareOutDir(file, 'the export'), `cannot write the export to ${file}: it is a file, not a directory`);
    usageError(() => prepareOutDir(join(file, 'x', 'y'), 'the export'), `${file} is a file, not a directory`);
    expect(readdirSync(dir)).toEqual(['f.txt']);
  });

  it('refuses a place under /proc at once (no recursive mkdir spinning)', () => {
    usageError(() => prepareOutDir('/proc/algobench/a/b', 'the report'), 'cannot write the report to /proc/algobench/a/b: cannot create it: no such file or directory (ENOENT)');
  });

  it.skipIf(NO_MOUNT_REASON !== undefined)(`refuses a read-only mount (EROFS)${skipNote}`, () => {
    const mount = new TmpfsMount(2 ** 20);
    try {
      mkdirSync(join(mount.dir, 'existing'));
      mount.readOnly();
      usageError(() => prepareOutDir(join(mount.dir, 'new', 'site'), 'the report'), 'read-only file system (EROFS)');
      // An existing folder on the read-only mount: the write probe refuses it.
      usageError(() => prepareOutDir(join(mount.dir, 'existing'), 'the report'), 'read-only file system (EROFS)');
    } finally {
      mount.unmount();
    }
  });

  it.skipIf(NO_MOUNT_REASON !== undefined)(`refuses a full disk (ENOSPC) and removes the folders it created${skipNote}`, () => {
    const mount = new TmpfsMount(2 ** 20);
    try {
      mount.fill();
      usageError(() => prepareOutDir(join(mount.dir, 'x', 'y'), 'the report'), 'no space left on the device (ENOSPC)');
      expect(readdirSync(mount.dir)).toEqual(['filler']);
    } finally {
      mount.unmount();
    }
  });
});

describe('writeExports', () => {
  function storeWithTrials(n: number): Store {
    const store = Store.open(join(tempDir(), 's.sqlite'));
    const hw = store.hardwareId(hardware());
    const run = store.startRun(hw, 'test', '0');
    for (let trial = 0; trial < n; trial++) {
      const id = store.startTrial(newTrial(run, key(hw, { trial })));
      for (let step = 1; step <= 20; step++) {
        store.recordEval(id, { step, submissionTimeSec: step, evalTimeSec: 0.1, trainLoss: 1 / step, validation: { accuracy: 0.5 + step / 100 }, test: { accuracy: 0.5 } });
      }
      store.finishTrial(id, reached(20));
    }
    return store;
  }

  it.skipIf(NO_MOUNT_REASON !== undefined)(`refuses a disk without room for the files before writing any of them${skipNote}`, () => {
    const store = storeWithTrials(40);
    const mount = new TmpfsMount(2 ** 20);
    try {
      // Leave about 24 KiB: room for the write probe, not for 800 evals in CSV and JSON.
      const filler = join(mount.dir, 'filler');
      writeFileSync(filler, Buffer.alloc(mount.freeBytes() - 24 * 1024));
      const out = join(mount.dir, 'data');
      const message = usageError(() => writeExports(store, out), `cannot write the export to ${out}: it needs`, 'free (ENOSPC)');
      expect(message).toMatch(/it needs \d+\.\d\d MiB and the disk has 0\.0\d MiB free/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      store.close();
      mount.unmount();
    }
  });

  it('writes every file and leaves no temporary file', () => {
    const store = storeWithTrials(2);
    try {
      const out = join(tempDir(), 'data');
      const paths = writeExports(store, out);
      expect(paths.map((p) => p.slice(out.length + 1)).sort()).toEqual(['evals.csv', 'evals.json', 'trials.csv', 'trials.json']);
      expect(readdirSync(out).sort()).toEqual(['evals.csv', 'evals.json', 'trials.csv', 'trials.json']);
    } finally {
      store.close();
    }
  });
});

describe('the note on unscored attempts (score)', () => {
  it('counts live and stale running rows apart, and says nothing when there are none', () => {
    expect(unfinishedNote({ reached: 4, abandoned: 2, interrupted: 1 })).toBe('');
    expect(unfinishedNote({ running: 1 })).toBe('note: 1 trial is running now (claimed by a live run); the scores leave it out until it finishes\n');
    expect(unfinishedNote({ stale: 2, reached: 1 })).toBe(
      'note: 2 trials are stale (status running, but their process died or their claim expired) and not scored; re-run the same run command to resume them\n',
    );
  });
});
