/**
 * defineSubmission composes a kit optimizer, a batch size and (optionally) a data
 * selector into a Submission. The optimizer is built from the trial's hyperparameters
 * and the workload's public info (step hint, parameter types), once per trial.
 *
 * @example
 *   export default defineSubmission({
 *     name: 'my_adamw',
 *     batchSize: 128,
 *     optimizer: (h, w) => adamw({ lr: warmupCosine(num(h, 'lr'), 100, w.budget.stepHint) }),
 *   });
 */
import type {
  Hparams,
  OptState,
  SelectContext,
  Submission,
  WorkloadInfo,
} from '../../harness/spec.ts';
import { type GradientTransformation, updateAndApply } from './transform.ts';

export interface SubmissionDefinition {
  readonly name: string;
  readonly batchSize: number | ((workload: WorkloadInfo, hparams: Hparams) => number);
  readonly optimizer: (hparams: Hparams, workload: WorkloadInfo) => GradientTransformation;
  /** Chooses each step's training examples (on the clock); default: shuffle each epoch. */
  readonly selectData?: (ctx: SelectContext) => Int32Array;
}

export function defineSubmission(def: SubmissionDefinition): Submission {
  // The transformation is a bundle of closures; build it once per trial, which the
  // harness marks by handing the same hparams and workload objects to every step.
  let cached: { hparams: Hparams; workload: WorkloadInfo; opt: GradientTransformation } | undefined;
  const optimizerFor = (hparams: Hparams, workload: WorkloadInfo): GradientTransformation => {
    if (cached?.hparams !== hparams || cached.workload !== workload) {
      cached = { hparams, workload, opt: def.optimizer(hparams, workload) };
    }
    return cached.opt;
  };
  const withEval = (hparams: Hparams, workload: WorkloadInfo) => optimizerFor(hparams, workload).prepareForEval;
  const submission: Submission<OptState> = {
    name: def.name,
    getBatchSize: (workload, hparams) =>
      typeof def.batchSize === 'number' ? def.batchSize : def.batchSize(workload, hparams),
    init: (ctx) => optimizerFor(ctx.hparams, ctx.workload).init(ctx.params),
    update: (ctx) => {
      const opt = optimizerFor(ctx.hparams, ctx.workload);
      const { grads } = ctx.lossAndGrads();
      // The update and its application in one step: the last elementwise program writes
      // the new parameters (see GradientTransformation.updateAndApply). The harness owns
      // the old params and state and disposes those the result does not hold (OptState
      // in harness/spec.ts), and nothing here reads them afterwards: they are donated,
      // so the program may write the new values into their memory.
      return updateAndApply(
        opt,
        grads,
        ctx.state,
        ctx.params,
        { types: ctx.workload.paramTypes, gradAt: (at) => ctx.lossAndGrads(at).grads },
        true,
      );
    },
    // The harness calls this before every eval; optimizers without the hook keep the
    // parameters as they are, which costs nothing.
    prepareForEval: (ctx) => {
      const hook = withEval(ctx.hparams, ctx.workload);
      return hook === undefined ? { params: ctx.params, state: ctx.state } : hook(ctx.params, ctx.state);
    },
  };
  return def.selectData === undefined ? submission : { ...submission, selectData: def.selectData };
}
