/**
 * Compiles the TypeScript a trial's process runs, in the parent, ahead of time. The
 * trial's process may not start processes, and tsx compiles through an esbuild child
 * process; so the parent compiles algobench's own code and the submission's folder
 * with esbuild once, into a cache keyed by their content, and the trial's process
 * loads the compiled files through a module hook (trial_loader.mjs). Compiling is a
 * plain syntax transform (no bundling): every import stays an import, and the files
 * keep their paths, mirrored under the cache folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { ROOT } from './sandbox.ts';

/** Where compiled trees live: one folder per content hash. */
export const COMPILE_CACHE = join(tmpdir(), `algobench-trial-code-${process.getuid?.() ?? 0}`);

function tsFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(full, out);
    else if (/\.(m?ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export interface CompiledTree {
  /** Cache folders, algobench's first: a source file /a/b.ts is compiled to <dir>/a/b.ts.js in one of them. */
  readonly dirs: readonly string[];
  readonly files: number;
}

const ALGOBENCH_SOURCES = ['harness', 'workloads', 'submissions'].map((d) => join(ROOT, d));

/**
 * Compiles algobench's sources (once per content) and the submission's folder (once
 * per content, unless it is inside algobench's own submissions/).
 */
export function compileForTrials(modulePath: string): CompiledTree {
  const own = compileFolders(ALGOBENCH_SOURCES);
  const submissionDir = dirname(resolve(modulePath));
  if (ALGOBENCH_SOURCES.some((d) => submissionDir === d || submissionDir.startsWith(`${d}/`))) return { dirs: [own.dir], files: own.files };
  const theirs = compileFolders([submissionDir]);
  return { dirs: [own.dir, theirs.dir], files: own.files + theirs.files };
}

/**
 * Compiles the TypeScript of some folders into a cache folder named by their content,
 * or reuses it. Safe against concurrent runs: each writes into a fresh folder and
 * renames it into place.
 */
function compileFolders(folders: readonly string[]): { dir: string; files: number } {
  const files = [...new Set(folders.flatMap((d) => tsFiles(d)))].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  const dir = join(COMPILE_CACHE, hash.digest('hex').slice(0, 24));
  if (existsSync(dir)) return { dir, files: files.length };
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  buildSync({
    entryPoints: files.map((file) => ({ in: file, out: `${file.slice(1)}` })),
    outdir: staging,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  try {
    renameSync(staging, dir);
  } catch {
    // Another run compiled the same tree first.
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, files: files.length };
}
