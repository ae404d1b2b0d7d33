/**
 * What a targets entry records about the reference baselines it was set with, so that
 * a changed baseline or search space shows: the SHA-256 of the submission module file
 * and of its search_space.json (the bytes, as read), and where the chosen
 * configuration sits in its search space (a point near the edge of a range says the
 * range may be too narrow).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hparams } from '../spec.ts';
import { searchSpacePath, type LoadedSubmission } from '../submissions/load.ts';
import type { SearchSpace } from '../tuning/search_space.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A path relative to the repository when it lies inside it, else as given. */
export function repoPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : path;
}

/** SHA-256 (hex) of a file's bytes, or null when there is no such file. */
export function sha256File(path: string): string | null {
  if (path === '' || !existsSync(path)) return null;
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** One reference baseline as a targets entry records it. */
export interface BaselineIdentity {
  readonly submission: string;
  readonly module: string;
  readonly moduleSha256: string | null;
  /** The search_space.json beside the module (null when it has none). */
  readonly searchSpace: string | null;
  readonly searchSpaceSha256: string | null;
}

export function baselineIdentity(loaded: LoadedSubmission): BaselineIdentity {
  const spacePath = loaded.modulePath === '' ? '' : searchSpacePath(loaded.modulePath);
  const spaceHash = sha256File(spacePath);
  return {
    submission: loaded.name,
    module: repoPath(loaded.modulePath),
    moduleSha256: sha256File(loaded.modulePath),
    searchSpace: spaceHash === null ? null : repoPath(spacePath),
    searchSpaceSha256: spaceHash,
  };
}

/** Within this share of a range (in its scaled coordinate) a value is on the edge. */
export const EDGE_SHARE = 0.05;

/** A hyperparameter of a configuration that sits on an edge of its range. */
export interface EdgeFlag {
  readonly name: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly scaling: 'log' | 'linear';
  /** Where the value lies in the scaled range (log or linear): 0 at min, 1 at max, outside [0, 1] outside it. */
  readonly position: number;
  readonly edge: 'min' | 'max';
}

/**
 * The range hyperparameters of `hparams` within `share` of the min or max of their
 * range, measured in the range's scaled coordinate (log10 for log ranges). Choices
 * and fixed lists of points have no edges.
 */
export function edgesOf(space: SearchSpace | undefined, hparams: Hparams, share = EDGE_SHARE): EdgeFlag[] {
  if (space === undefined || space.kind !== 'ranges') return [];
  const flags: EdgeFlag[] = [];
  for (const param of space.params) {
    if (param.kind !== 'range') continue;
    const value = hparams[param.name];
    if (typeof value !== 'number') continue;
    const f = param.scaling === 'log' ? Math.log : (x: number) => x;
    const position = (f(value) - f(param.min)) / (f(param.max) - f(param.min));
    const edge = position <= share ? 'min' : position >= 1 - share ? 'max' : undefined;
    if (edge !== undefined) {
      flags.push({ name: param.name, value, min: param.min, max: param.max, scaling: param.scaling, position, edge });
    }
  }
  return flags;
}

/** One line per flag, for the terminal. */
export function describeEdge(submission: string, flag: EdgeFlag): string {
  const outside = flag.position < 0 || flag.position > 1;
  return (
    `warning: ${submission}'s chosen ${flag.name} = ${flag.value} ${outside ? 'lies outside' : `sits on the ${flag.edge} edge of`} its search space ` +
    `[${flag.min}, ${flag.max}] (${flag.scaling}, at ${(flag.position * 100).toFixed(1)} % of the range); consider widening the range`
  );
}
