/**
 * A trial process's pace (runner/pace.ts) is what later trial processes of the run are
 * held to, so a submission that could report a pace of its own could have every honest
 * trial after it flagged noisy. The hostile fixture forge_pace sends a pace of 0.001 ms
 * (and a repeated 'training' message) in init and at its first steps; the run must
 * keep the pace its process measured before the submission was imported. No timing is
 * asserted: only that the forged number goes nowhere.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type BackendChoice } from '../../harness/backends/select.ts';
import { runTrialIsolated, TrialPaceBook } from '../../harness/runner/isolated/run_isolated.ts';
import { getWorkload } from '../../workloads/registry.ts';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const FORGER = fixture('hostile/forge_pace/submission.ts');
const HONEST = fixture('submissions/one_trial_per_process/submission.ts');
/** The fixture's forged pace. No real pass of mnist_mlp on a batch of 128 comes within 100× of it. */
const FORGED_MS = 0.001;

type Result = Awaited<ReturnType<typeof runTrialIsolated>>;
let forged: Result;
let honest: Result;

beforeAll(async () => {
  const backend = (await selectBackend('auto')).name as BackendChoice;
  const workload = getWorkload('mnist_mlp');
  await workload.load();
  const paces = new TrialPaceBook();
  const trial = (modulePath: string) =>
    runTrialIsolated({ workload, targets: { validation: 0, test: 0 }, modulePath, hparams: { lr: 0.05 }, seed: 1, budgetScale: 0.05, backend }, { paces });
  forged = await trial(FORGER);
  honest = await trial(HONEST);
}, 240_000);

describe("a submission cannot report its process's pace", () => {
  it('the forging trial runs to its end and keeps the pace its process measured before the submission loaded', () => {
    expect(forged.status).toBe('reached');
    expect(forged.pace?.trial?.passes).toBeGreaterThanOrEqual(3);
    expect(forged.pace!.trial!.fastestMs).toBeGreaterThan(100 * FORGED_MS);
  });

  it("the next trial of the run is held to the forger's measured pace, not the forged one", () => {
    expect(honest.status).toBe('reached');
    expect(honest.pace?.fastestTrialMs).toBeGreaterThan(100 * FORGED_MS);
    expect(honest.pace?.fastestTrialMs).toBe(forged.pace!.trial!.fastestMs);
  });
});
