/**
 * Targets live in one versioned file (workloads/targets.json), never in model code,
 * so that re-deriving them (set-targets) changes data, not workloads, and every
 * trial row can name the targets version it ran against.
 */
import { readFileSync } from 'node:fs';
import { AlgobenchError } from '../harness/errors.ts';
import type { Targets } from '../harness/spec.ts';

export const TARGETS_PATH = new URL('./targets.json', import.meta.url);

interface TargetsEntry extends Targets {
  readonly provenance: string;
}

export interface TargetsFile {
  readonly version: number;
  readonly workloads: Readonly<Record<string, Readonly<Record<string, TargetsEntry>>>>;
}

let cache: TargetsFile | undefined;

export function loadTargetsFile(): TargetsFile {
  cache ??= JSON.parse(readFileSync(TARGETS_PATH, 'utf8')) as TargetsFile;
  return cache;
}

export function getTargets(workload: string, variant: string): Targets & { version: number } {
  const file = loadTargetsFile();
  const entry = file.workloads[workload]?.[variant];
  if (entry === undefined || typeof entry.validation !== 'number' || typeof entry.test !== 'number') {
    throw new AlgobenchError(
      'E_TARGETS',
      `no targets for ${workload}:${variant} in workloads/targets.json; add them (run set-targets) before running it`,
    );
  }
  return { validation: entry.validation, test: entry.test, version: file.version };
}
