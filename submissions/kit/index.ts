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
export type { AdamFamilyOptions, NadamwOptions } from './optimizers/adam.ts';
export { heavyBall } from './optimizers/heavy_ball.ts';
export { nesterov } from './optimizers/nesterov.ts';
export { sgd } from './optimizers/sgd.ts';
export type { SgdOptions } from './optimizers/sgd.ts';
export {
  constant,
  cosineDecay,
  cyclicCosine,
  inverseSqrt,
  joinSchedules,
  linear,
  linearDecayToZero,
  linearWarmup,
  polynomialDecay,
  warmupCosine,
  warmupCosineFromHparams,
  warmupStableDecay,
  warmupStepsFromHparams,
} from './schedules.ts';
export type { CyclicCosineOptions, DecayShape, Schedule, WarmupCosineDefaults, WarmupStableDecayOptions } from './schedules.ts';
export { curriculum, curriculumCompetence } from './selectors/curriculum.ts';
export type { CurriculumOptions, CurriculumPacing } from './selectors/curriculum.ts';
export { iidWithReplacement } from './selectors/iid_with_replacement.ts';
export { lossBasedSelection } from './selectors/loss_based.ts';
export type { LossBasedSelectionOptions } from './selectors/loss_based.ts';
export { rs2 } from './selectors/rs2.ts';
export type { Rs2Options } from './selectors/rs2.ts';
export { shuffleEachEpoch } from './selectors/shuffle_each_epoch.ts';
export type { DataSelector } from './selectors/types.ts';
export { adafactor } from './optimizers/adafactor.ts';
export type { AdafactorOptions } from './optimizers/adafactor.ts';
export { adagrad } from './optimizers/adagrad.ts';
export type { AdagradOptions } from './optimizers/adagrad.ts';
export { lamb } from './optimizers/lamb.ts';
export type { LambOptions } from './optimizers/lamb.ts';
export { lion } from './optimizers/lion.ts';
export type { LionOptions } from './optimizers/lion.ts';
export { rmsprop } from './optimizers/rmsprop.ts';
export type { RmspropOptions } from './optimizers/rmsprop.ts';
export { scaleByRss } from './transforms/adagrad.ts';
export type { RssOptions } from './transforms/adagrad.ts';
export { clipByBlockRms, scaleByParamBlockRms } from './transforms/block_rms.ts';
export { ema } from './transforms/ema.ts';
export { factoredDims, scaleByFactoredRms } from './transforms/factored_rms.ts';
export type { FactoredRmsOptions } from './transforms/factored_rms.ts';
export { scaleByLion } from './transforms/lion.ts';
export type { LionScaleOptions } from './transforms/lion.ts';
export { scaleByRms, scaleByStddev } from './transforms/rms.ts';
export type { RmsOptions } from './transforms/rms.ts';
export { scaleByAdamWithNorms, scaleByDecayedTrustRatio, scaleByTrustRatio } from './transforms/trust_ratio.ts';
export { dots } from './dots.ts';
export { adamp } from './optimizers/adamp.ts';
export type { AdampOptions } from './optimizers/adamp.ts';
export { sam } from './optimizers/sam.ts';
export type { SamOptions } from './optimizers/sam.ts';
export { scheduleFreeAdamw } from './optimizers/schedule_free.ts';
export type { ScheduleFreeAdamwOptions, ScheduleFreeState } from './optimizers/schedule_free.ts';
export { shampoo } from './optimizers/shampoo.ts';
export type { ShampooOptions } from './optimizers/shampoo.ts';
export { adampProjectMask, scaleByAdamP } from './transforms/adamp.ts';
export type { AdamPScalingOptions, AdamPState } from './transforms/adamp.ts';
export { scaleByShampoo } from './transforms/shampoo.ts';
export type { ShampooGraft, ShampooScalingOptions, ShampooState } from './transforms/shampoo.ts';
export {
  applyUpdates,
  chain,
  decayAll,
  decayMask,
  decayNoBiasNorm,
  mapTensors,
  resolveDecayMask,
  updateAndApply,
  zerosLike,
} from './transform.ts';
export type { DecayMask, GradientTransformation, LearningRate, ParamMask, UpdateInfo } from './transform.ts';
export { scaleByAdam } from './transforms/adam.ts';
export type { AdamOptions, NesterovForm } from './transforms/adam.ts';
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
