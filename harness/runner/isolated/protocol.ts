/**
 * Messages between the run (parent) and a trial's process (child), over Node's IPC
 * channel with structured-clone serialization (typed arrays travel as they are).
 * Everything crossing happens off the clock.
 */
import type { PaceReading } from '../../identity/calibration.ts';
import type { BackendChoice } from '../../backends/select.ts';
import type { Budget, Hparams, Metrics, Targets } from '../../spec.ts';
import type { TrackOptions } from '../../tuning/hparam_view.ts';
import type { EvalScheduleSpec } from '../eval_schedule.ts';
import type { EvalRecord } from '../../store/rows.ts';
import type { StepProgress } from '../trial.ts';
import type { TrainDataFile } from './train_file.ts';
import type { FailedStatus, TrialResult } from '../../core/trial_result.ts';

/** A tensor as plain data. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly values: Float32Array | Int32Array | Uint8Array;
}

/** Parent → child. */
export type ToTrial =
  | {
      readonly kind: 'start';
      readonly mode: 'trial' | 'inspect';
      readonly backend: BackendChoice;
      readonly modulePath: string;
      readonly workload?: { readonly name: string; readonly variant: string; readonly budget: Budget };
      /** The training split, in a file (train_file.ts). */
      readonly trainDataFile?: TrainDataFile;
      readonly targets?: Targets;
      readonly hparams?: Hparams;
      readonly seed?: number;
      readonly budgetScale?: number;
      readonly hparamTracking?: TrackOptions;
      /** @default the workload's geometric schedule */
      readonly evalSchedule?: EvalScheduleSpec;
      /** The CPUs the trial's main thread pins itself to before anything else (backends/cpu_plan.ts); absent: unpinned. */
      readonly trialCpus?: readonly number[];
    }
  | { readonly kind: 'evaluated'; readonly id: number; readonly validation: Metrics; readonly test: Metrics }
  | { readonly kind: 'evaluate-failed'; readonly id: number; readonly message: string }
  | { readonly kind: 'interrupt' };

/** Child → parent. */
export type FromTrial =
  | { readonly kind: 'ready'; readonly name: string; readonly problems: readonly string[] }
  /**
   * The trial process's pace on the workload's fixed work after its warm-up (runner/pace.ts),
   * sent before the submission is imported: only the first one, before `ready`, counts, so
   * submission code cannot report a pace of its own.
   */
  | { readonly kind: 'pace'; readonly pace: PaceReading }
  | { readonly kind: 'training' }
  | { readonly kind: 'progress'; readonly progress: StepProgress }
  /** `pace`: the workload's fixed pass timed again just before this eval, off the clock (TrialPace.during). */
  | { readonly kind: 'evaluate'; readonly id: number; readonly params: Readonly<Record<string, TensorData>>; readonly pace?: PaceReading }
  | { readonly kind: 'eval'; readonly record: EvalRecord }
  | { readonly kind: 'result'; readonly result: TrialResult; readonly wallSec: number }
  | { readonly kind: 'fatal'; readonly status: FailedStatus; readonly message: string }
  /**
   * The machine, not the submission: the process could not set itself up (its CPUs).
   * Taken only before `ready`, while no submission code has run in the process.
   */
  | { readonly kind: 'fault'; readonly message: string };
