import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWorkloadRef } from '../../harness/core/workload_ref.ts';
import { expandWorkloadRefs, getWorkload, WORKLOADS } from '../../workloads/registry.ts';
import { budgetInFile, TARGETS_PATH, type TargetsFile } from '../../workloads/targets.ts';

const entry = (budget?: { maxRuntimeSec: number; stepHint: number }) => ({
  validation: 1,
  test: 1,
  provenance: 'test',
  ...(budget === undefined ? {} : { budget }),
});

describe('the budget a workload variant runs on', () => {
  const file: TargetsFile = {
    version: 1,
    workloads: {
      w: {
        base: entry({ maxRuntimeSec: 42, stepHint: 160 }),
        own: entry({ maxRuntimeSec: 37, stepHint: 160 }),
        none: entry(),
      },
      nobase: { base: entry(), v: entry() },
    },
  };

  it("is the variant's own derived budget when its entry has one", () => {
    expect(budgetInFile(file, 'w', 'own')).toEqual({ maxRuntimeSec: 37, stepHint: 160 });
    expect(budgetInFile(file, 'w', 'base')).toEqual({ maxRuntimeSec: 42, stepHint: 160 });
  });

  it("is the base workload's derived budget when the variant has none (AlgoPerf's variants keep the base budget)", () => {
    expect(budgetInFile(file, 'w', 'none')).toEqual({ maxRuntimeSec: 42, stepHint: 160 });
  });

  it("is no override (the workload's default) when neither has one", () => {
    expect(budgetInFile(file, 'nobase', 'v')).toBeUndefined();
    expect(budgetInFile(file, 'nobase', 'base')).toBeUndefined();
    expect(budgetInFile(file, 'absent', 'base')).toBeUndefined();
  });

  it('is what getWorkload hands the runner for every shipped variant, read from targets.json directly', () => {
    const raw = JSON.parse(readFileSync(TARGETS_PATH, 'utf8')) as {
      workloads: Record<string, Record<string, { budget?: { maxRuntimeSec: number; stepHint: number } }>>;
    };
    const refs = expandWorkloadRefs(['all:*']);
    expect(refs.length).toBeGreaterThanOrEqual(22);
    for (const ref of refs) {
      const { name, variant } = parseWorkloadRef(ref);
      const expected = raw.workloads[name]?.[variant]?.budget ?? raw.workloads[name]?.['base']?.budget;
      const got = getWorkload(ref).budget;
      const declared = WORKLOADS[name]!.create(variant).budget;
      if (expected === undefined) expect(got, ref).toEqual(declared);
      else expect({ maxRuntimeSec: got.maxRuntimeSec, stepHint: got.stepHint }, ref).toEqual({ maxRuntimeSec: expected.maxRuntimeSec, stepHint: expected.stepHint });
    }
  });
});
