import { it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';
it('probe', async () => {
  const r = await runLinearTrial({
    workload: { budget: { maxRuntimeSec: 5, evalPeriodSec: 4 } },
    submission: { stepSec: 1, prepareForEval: { sec: 2 } },
  });
  console.log('PROBE', JSON.stringify(r.result), JSON.stringify(r.evals.map(e => [e.step, e.submissionTimeSec])), JSON.stringify(r.scripted!.prepares));
});
