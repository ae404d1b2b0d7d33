/**
 * A trial takes its listeners off the run's AbortSignal when it ends, however it ends:
 * one run's signal is shared by all its trials, so a listener left behind per trial
 * piles up over a grid (Node warns of a leak after ten) and every one of them is called
 * when the run is interrupted. A trial whose process dies without a result waits a grace
 * period for the run's own interrupt before calling it a crash; that wait's listener,
 * too, is taken back once the grace has passed.
 */
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type BackendChoice } from '../../harness/backends/select.ts';
import { runTrialIsolated } from '../../harness/runner/isolated/run_isolated.ts';
import { getWorkload } from '../../workloads/registry.ts';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
/** process.exit(0) at step 3: the process ends without a result. */
const EXITS = fixture('hostile/exit/submission.ts');
const HONEST = fixture('submissions/one_trial_per_process/submission.ts');

let backend: BackendChoice;

beforeAll(async () => {
  backend = (await selectBackend('auto')).name as BackendChoice;
  await getWorkload('mnist_mlp').load();
});

const trial = (modulePath: string, signal: AbortSignal) =>
  runTrialIsolated(
    { workload: getWorkload('mnist_mlp'), targets: { validation: 0, test: 0 }, modulePath, hparams: { lr: 0.05 }, seed: 1, budgetScale: 0.05, backend },
    { signal },
  );

describe("a trial leaves no listener on the run's signal", () => {
  it('after a process that died without a result (a crash, once the grace has passed), and after one that reached its target', async () => {
    const controller = new AbortController();
    const crashed = await trial(EXITS, controller.signal);
    expect(crashed.status).toBe('crashed');
    expect(crashed.error).toMatch(/exited with code 0/);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const reached = await trial(HONEST, controller.signal);
    expect(reached.status).toBe('reached');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // Aborting the run afterwards reaches no finished trial.
    controller.abort();
  }, 240_000);
});
