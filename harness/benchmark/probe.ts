/**
 * What a run learns before its first trial, without running submission code here:
 * each submission's name and contract (from a sandboxed process of its own), whether a
 * backend can train the workloads, and algobench's own version.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
 * One at a time: each is a process loading TensorFlow.js, and a hang must not starve
 * the others. `searchSpaces` maps a reference of `refs` to a search-space file that
 * replaces the one beside it.
 */
export async function describeAll(
  refs: readonly string[],
  backend: BackendChoice,
  timeoutSec?: number,
  searchSpaces: Readonly<Record<string, string>> = {},
): Promise<SubmissionRef[]> {
  const out: SubmissionRef[] = [];
  for (const ref of refs) out.push(await describeSubmission(ref, backend, timeoutSec, searchSpaces[ref]));
  return out;
}

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
