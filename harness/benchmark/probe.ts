/**
 * What a run learns before its first trial, without running submission code here:
 * each submission's name and contract (from a sandboxed process of its own), whether a
 * backend can train the workloads, and algobench's own version.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import { inspectSubmission } from '../runner/isolated/run_isolated.ts';
import { trainingPassOnce } from '../runner/trial.ts';
import type { Workload } from '../spec.ts';
import { resolveModulePath, searchSpaceFields, type SubmissionRef } from '../submissions/load.ts';

/**
 * A submission's name and search space, learnt without running its code here: it is
 * imported in a sandboxed process of its own, which reports its name and contract.
 */
async function describeSubmission(ref: string, backend: BackendChoice, timeoutSec?: number, searchSpaceFile?: string): Promise<SubmissionRef> {
  const modulePath = resolveModulePath(ref);
  const space = searchSpaceFields(modulePath, searchSpaceFile);
  const seen = await inspectSubmission(modulePath, backend, timeoutSec);
  if ('failed' in seen) throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath} failed to load in its sandbox (${seen.status}): ${seen.failed}`);
  if (seen.problems.length > 0) throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath}: ${seen.problems.join('; ')}`);
  return { name: seen.name, modulePath, ...space };
}

/**
 * As many at once as the machine has cores, at most 4: each is a process loading
 * TensorFlow.js (~0.6–0.9 s of one core), and a hang (an endless loop at import) holds
 * one core until its own timeout, which then cannot starve the others of theirs. The
 * answer does not depend on which finished first: a failure is the first in `refs`'
 * order, as one at a time would have found it. `searchSpaces` maps a reference of
 * `refs` to a search-space file that replaces the one beside it.
 */
export async function describeAll(
  refs: readonly string[],
  backend: BackendChoice,
  timeoutSec?: number,
  searchSpaces: Readonly<Record<string, string>> = {},
): Promise<SubmissionRef[]> {
  const settled: Array<PromiseSettledResult<SubmissionRef>> = new Array(refs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < refs.length; i = next++) {
      const ref = refs[i]!;
      settled[i] = await describeSubmission(ref, backend, timeoutSec, searchSpaces[ref]).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(refs.length, INSPECTIONS_AT_ONCE) }, worker));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

/** Sandboxed inspections at once: one per core, at most 4 (each process holds ~150 MB while it loads). */
const INSPECTIONS_AT_ONCE = Math.max(1, Math.min(4, availableParallelism()));

/** One training step of each workload on a tiny batch: can this backend train them? */
export function trainingProbe(workloads: readonly Workload[]): () => Promise<boolean> {
  return async () => {
    for (const w of workloads) {
      // Loads (and caches) the data on the backend being probed, which is the one
      // the trials will use when the probe passes.
      await w.load();
      trainingPassOnce(w);
    }
    return true;
  };
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The package version, and the git commit of a clone (`-dirty` with local changes). */
export function versionOfAlgobench(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const commit = execFileSync('git', ['-C', root, 'describe', '--always', '--dirty', '--abbrev=12'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${packageVersion()}+${commit}`;
  } catch {
    return packageVersion();
  }
}
