/**
 * The import graph keeps the layers (.dependency-cruiser.mjs says which way imports may
 * flow, and why). The same rules run over test/fixtures/import_graph/, a small tree in
 * which each rule is broken once on purpose: each must be reported there, so a rule
 * that stopped matching would fail this test rather than pass quietly.
 */
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/import_graph/', import.meta.url));
const TREES = ['harness', 'submissions', 'workloads'];

/**
 * The folders between which a cycle counts: each folder of harness/, submissions/ and
 * workloads/ (one level down: a service's own subfolders are its business) and
 * reports/; harness/spec.ts, alone in harness/, stands for itself.
 */
const FOLDER = /^(harness\/[^/]+|submissions\/[^/]+|workloads\/[^/]+|reports)\//;

async function cruised(baseDir: string, options: ICruiseOptions): Promise<ICruiseResult> {
  const result = (await cruise(TREES, { ...options, baseDir })).output as ICruiseResult;
  // A tree that resolved nothing would pass every rule; the fixture and the repo both import.
  expect(result.summary.totalDependenciesCruised).toBeGreaterThan(10);
  return result;
}

/** Rule, from and to of each violation, sorted: what a reader compares. */
function violations(result: ICruiseResult): string[] {
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

/**
 * Every import arrow between two FOLDERs that lies on a cycle of them. Computed here,
 * not by a rule: dependency-cruiser's folder scope counts a folder with all its
 * subfolders, so harness/ (spec.ts's folder) would hold every layer and each import of
 * spec.ts would close a cycle, and its --collapse merges folders in reports only.
 */
function folderCycles(result: ICruiseResult): string[] {
  const folderOf = (path: string) => FOLDER.exec(path)?.[1] ?? path;
  const arrows = new Map<string, Set<string>>();
  for (const module of result.modules) {
    for (const dep of module.dependencies) {
      if (!/^(harness|submissions|workloads|reports)\//.test(dep.resolved)) continue;
      const [from, to] = [folderOf(module.source), folderOf(dep.resolved)];
      if (from !== to) arrows.set(from, (arrows.get(from) ?? new Set()).add(to));
    }
  }
  const reaches = (start: string, goal: string): boolean => {
    const seen = new Set<string>();
    const todo = [start];
    for (let at = todo.pop(); at !== undefined; at = todo.pop()) {
      if (at === goal) return true;
      for (const next of arrows.get(at) ?? []) if (!seen.has(next)) todo.push(next), seen.add(next);
    }
    return false;
  };
  return [...arrows].flatMap(([from, tos]) => [...tos].filter((to) => reaches(to, from)).map((to) => `${from} → ${to}`)).sort();
}

let repo: ICruiseResult;
let planted: ICruiseResult;
beforeAll(async () => {
  const options = await extractDepcruiseOptions(`${REPO_ROOT}.dependency-cruiser.mjs`);
  repo = await cruised(REPO_ROOT, options);
  planted = await cruised(FIXTURE, options);
}, 180_000);

describe('the repository', () => {
  it('breaks no rule of .dependency-cruiser.mjs', () => {
    expect(violations(repo)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(folderCycles(repo)).toEqual([]);
  });
});

describe('a tree with one planted violation of each rule', () => {
  it('reports each of them, and nothing else', () => {
    expect(violations(planted)).toEqual([
      'cli-at-the-top: submissions/adamw/submission.ts → harness/cli/progress.ts',
      'contract-and-core-at-the-bottom: harness/core/rng.ts → harness/tuning/halton.ts',
      'kit-stands-on-the-contract: submissions/kit/adam.ts → harness/backends/select.ts',
      'no-command-imports-a-command: harness/cli/run_command.ts → harness/cli/report_command.ts',
      'no-module-cycle: harness/runner/clock.ts → harness/runner/trial.ts',
      'orchestration-below-presentation: harness/benchmark/execute.ts → harness/report/leaderboard.ts',
      'presentation-reads-results-only: harness/report/site.ts → harness/targets/provenance.ts',
      'store-on-core-only: harness/store/rows.ts → harness/runner/calibration.ts',
      'workloads-on-the-lower-layers: workloads/mlp/model.ts → harness/runner/tensors.ts',
    ]);
  });

  it('reports the cycle between two folders that no module cycle shows', () => {
    expect(folderCycles(planted)).toEqual(['harness/targets → harness/validate', 'harness/validate → harness/targets']);
  });
});
