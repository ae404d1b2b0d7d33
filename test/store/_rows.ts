/**
 * The rows every store test writes (a hardware, a trial key, a new trial), in a file
 * with no side effects, so that _claim_child.ts can use them too without
 * _fixtures.ts's mount probe; _fixtures.ts re-exports them.
 */
import type { Hardware } from '../../harness/identity/fingerprint.ts';
import type { NewTrial, TrialKey } from '../../harness/store/rows.ts';

export function hardware(fingerprint = 'hw-test'): Hardware {
  return {
    fingerprint,
    cpuModel: 'Test CPU',
    cpuCores: 2,
    memoryBytes: 2 ** 30,
    gpu: 'none',
    os: 'Test OS',
    nodeVersion: 'v20.0.0',
    tfjsVersion: '4.22.0',
    backend: 'cpu',
    backendVersion: '4.22.0',
    details: {},
  };
}

export function key(hardwareId: number, overrides: Partial<TrialKey> = {}): TrialKey {
  return {
    hardwareId,
    workload: 'w',
    variant: 'base',
    submission: 's',
    ruleset: 'external',
    budgetScale: 1,
    baseSeed: 0,
    study: 0,
    trial: 0,
    codeKey: 'code',
    ...overrides,
  };
}

export function newTrial(runId: number, k: TrialKey, overrides: Partial<NewTrial> = {}): NewTrial {
  return {
    ...k,
    runId,
    seed: 7,
    hparams: { lr: 0.1 },
    targetValidation: 0.9,
    targetTest: 0.9,
    targetsVersion: 1,
    metric: 'accuracy',
    metricDirection: 'max',
    budgetSec: 10,
    backend: 'cpu',
    backendVersion: '4.22.0',
    submissionHash: 'sub',
    searchSpaceHash: null,
    workloadHash: 'wl',
    targetsHash: 'tg',
    algobenchVersion: '0.0.0+test',
    ...overrides,
  };
}
