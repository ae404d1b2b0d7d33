/**
 * The kit's public API in one import. Submissions outside this repository import it
 * by path, and take TensorFlow.js from here too (`tf`): a second copy of tfjs
 * resolved from elsewhere would have an engine of its own that the harness's
 * tensors do not belong to.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export { defineSubmission } from './define.ts';
export type { SubmissionDefinition } from './define.ts';
export { num } from './hparams.ts';
export { adam, adamw, nadamw } from './optimizers/adam.ts';
export type { AdamFamilyOptions } from './optimizers/adam.ts';
export { heavyBall } from './optimizers/heavy_ball.ts';
export { nesterov } from './optimizers/nesterov.ts';
export { sgd } from './optimizers/sgd.ts';
export type { SgdOptions } from './optimizers/sgd.ts';
export { constant, cosineDecay, joinSchedules, linear, linearWarmup, warmupCosine } from './schedules.ts';
export type { Schedule } from './schedules.ts';
export { applyUpdates, chain, decayMask, mapTensors, zerosLike } from './transform.ts';
export type { GradientTransformation, LearningRate, ParamMask, UpdateInfo } from './transform.ts';
export { scaleByAdam } from './transforms/adam.ts';
export type { AdamOptions } from './transforms/adam.ts';
export { addDecayedWeights, clipByGlobalNorm, scale, scaleByLearningRate } from './transforms/basic.ts';
export { trace } from './transforms/momentum.ts';
export type { MomentumOptions } from './transforms/momentum.ts';
export type {
  Batch,
  Hparams,
  OptState,
  ParamType,
  StepResult,
  Submission,
  TensorMap,
  UpdateContext,
  WorkloadInfo,
} from '../../harness/spec.ts';
