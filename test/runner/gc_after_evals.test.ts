/**
 * After each eval a trial's process collects its garbage, off the clock
 * (trial_process.ts): the eval's copies of the parameters, and whatever else is dead, are
 * not left to the steps after it. The fixture garbage_past_evals keeps a WeakRef to an
 * object of each step and fails its trial when one survives an eval; the trial must run
 * to the end of its budget through its evals. (Without the collection, young objects
 * live until the next scavenge, megabytes of allocation later: the fixture fails at its
 * first check.) No timing is asserted.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTrialIsolated } from '../../harness/runner/isolated/run_isolated.ts';
import { loadMnistMlpOnWasm } from '../fixtures/mnist_mlp_on_wasm.ts';

const WATCHER = fileURLToPath(new URL('../fixtures/submissions/garbage_past_evals/submission.ts', import.meta.url));

describe('garbage at evals', () => {
  it("is collected after each eval, before the trial's clock runs again", async () => {
    const workload = await loadMnistMlpOnWasm();
    // An accuracy no model reaches: the trial runs its whole budget, through every check.
    const result = await runTrialIsolated({ workload, targets: { validation: 2, test: 2 }, modulePath: WATCHER, hparams: {}, seed: 3, budgetScale: 0.05, backend: 'wasm' });
    expect(result.status, result.status === 'budget_exhausted' ? '' : JSON.stringify(result)).toBe('budget_exhausted');
    expect(result.evals).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
