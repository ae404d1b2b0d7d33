/**
 * The trial sandbox keeps the data cache out of reach: the cache holds every data
 * set's held-out splits, so a trial's process may read neither the folder nor any
 * folder that holds it (docs/architecture.md, "The data cache"). Checked on the read
 * list and through Node's permission model itself, in a child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { permissionFlags, readablePaths } from '../../harness/runner/isolated/sandbox.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUBMISSION = join(ROOT, 'submissions', 'adamw', 'submission.ts');

let dir = '';
let saved: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'algobench-sandbox-cache-'));
  saved = process.env.ALGOBENCH_CACHE_DIR;
});
afterEach(() => {
  if (saved === undefined) delete process.env.ALGOBENCH_CACHE_DIR;
  else process.env.ALGOBENCH_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** Whether a process under the trial's permission flags may read `file`. */
function trialMayRead(file: string): boolean {
  const script = `try { require('node:fs').readFileSync(${JSON.stringify(file)}); console.log('read'); } catch (e) { console.log(e.code); }`;
  const run = spawnSync(process.execPath, [...permissionFlags(SUBMISSION), '-e', script], { cwd: join(ROOT, 'harness/runner/isolated'), encoding: 'utf8' });
  const answer = run.stdout.trim();
  if (answer !== 'read' && answer !== 'ERR_ACCESS_DENIED') throw new Error(`unexpected: ${answer} ${run.stderr.slice(-500)}`);
  return answer === 'read';
}

describe('the data cache and the trial sandbox', () => {
  it('the default folder, node_modules/.cache/algobench/, is not readable; the rest of node_modules is', () => {
    delete process.env.ALGOBENCH_CACHE_DIR;
    const cache = join(ROOT, 'node_modules', '.cache', 'algobench');
    const paths = readablePaths(SUBMISSION);
    for (const p of paths) expect(`${cache}/`.startsWith(p.endsWith('/') ? p : `${p}/`), p).toBe(false);
    mkdirSync(cache, { recursive: true });
    const probe = join(cache, `probe-${process.pid}.bin`);
    writeFileSync(probe, 'held-out');
    try {
      expect(trialMayRead(probe)).toBe(false);
    } finally {
      rmSync(probe, { force: true });
    }
    expect(trialMayRead(join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'package.json'))).toBe(true);
  });

  it('a folder named by ALGOBENCH_CACHE_DIR inside node_modules is hidden the same way', () => {
    const cache = join(ROOT, 'node_modules', '.cache', `algobench-test-${process.pid}`);
    process.env.ALGOBENCH_CACHE_DIR = cache;
    mkdirSync(cache, { recursive: true });
    try {
      writeFileSync(join(cache, 'x.bin'), 'held-out');
      expect(trialMayRead(join(cache, 'x.bin'))).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("a folder inside the submission's own folder is refused in one line", () => {
    process.env.ALGOBENCH_CACHE_DIR = join(dir, 'sub', 'cache');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'submission.ts'), 'export {};\n');
    expect(() => readablePaths(join(dir, 'sub', 'submission.ts'))).toThrow(/data cache folder .* lies inside .*set ALGOBENCH_CACHE_DIR to a folder outside it/);
  });
});
