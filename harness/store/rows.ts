/** Row shapes of the store, as SQLite returns them (snake_case columns). */
import type { TrialResult } from '../core/trial_result.ts';
import type { TrialNoise } from '../identity/calibration.ts';
import type { Hparams, Metrics, Ruleset, TrialStatus } from '../spec.ts';

/**
 * A trial row's status as stored: how the trial ended (TrialStatus), `running` while
 * a process holds its claim, or `abandoned` when its process died and a later claim
 * superseded it.
 */
export type StoredTrialStatus = TrialStatus | 'running' | 'abandoned';

/**
 * A status as listed (Store.trials, statusCounts, reports, exports): a `running` row
 * whose claim expired or whose process is gone on this host is listed as `stale`.
 */
export type ListedTrialStatus = StoredTrialStatus | 'stale';

/** The statuses of a finished trial: the ones resume skips and scoring counts. */
const FINISHED: Readonly<Record<Exclude<TrialStatus, 'interrupted'>, true>> = {
  reached: true,
  budget_exhausted: true,
  diverged: true,
  error: true,
  timeout: true,
  crashed: true,
  killed: true,
  forbidden: true,
  stopped_predicted_miss: true,
};
export const FINISHED_STATUSES: readonly TrialStatus[] = Object.keys(FINISHED) as TrialStatus[];

/** Statuses of attempts that neither count nor block a re-run. */
export const UNFINISHED_STATUSES: readonly ListedTrialStatus[] = ['running', 'stale', 'interrupted', 'abandoned'];

/** Whether a row with this status is a finished trial (scored; skipped by resume). */
export function isFinishedStatus(status: string): status is Exclude<TrialStatus, 'interrupted'> {
  return Object.prototype.hasOwnProperty.call(FINISHED, status);
}

export interface TrialKey {
  readonly hardwareId: number;
  readonly workload: string;
  readonly variant: string;
  readonly submission: string;
  readonly ruleset: Ruleset;
  /** Multiplier on the workload's budget besides the ruleset's (1 for a leaderboard run). */
  readonly budgetScale: number;
  readonly baseSeed: number;
  readonly study: number;
  readonly trial: number;
  /** Hash of everything below that produced the trial: a changed one is a different trial. */
  readonly codeKey: string;
}

/** What produced a trial (harness/identity/code_hash.ts): sha256 hex digests. */
export interface TrialCode {
  /** The submission module with the local files it imports. */
  readonly submissionHash: string;
  /** The search space file's bytes; null under self-tuning. */
  readonly searchSpaceHash: string | null;
  /** The workload definition with the local files it imports. */
  readonly workloadHash: string;
  /** The variant's targets and budget as the trial ran against them. */
  readonly targetsHash: string;
  readonly algobenchVersion: string;
}

export interface NewTrial extends TrialKey, TrialCode {
  readonly runId: number;
  readonly seed: number;
  readonly hparams: Hparams;
  readonly targetValidation: number;
  readonly targetTest: number;
  readonly targetsVersion: number;
  readonly metric: string;
  readonly metricDirection: 'max' | 'min';
  readonly budgetSec: number;
  readonly backend: string;
  readonly backendVersion: string;
  /** The budget saver's settings as JSON, for a trial run with it (never scored); null otherwise. */
  readonly budgetSaverJson?: string | null;
}

/** How a trial ended (core/trial_result.ts), with the noise measured around it, as the store records it. */
export type TrialOutcome = TrialResult & {
  /** Calibration and CPU shares around the trial (identity/calibration.ts). */
  readonly noise?: TrialNoise;
};

export interface HardwareRow {
  id: number;
  fingerprint: string;
  cpu_model: string;
  cpu_cores: number;
  memory_bytes: number;
  gpu: string;
  os: string;
  node_version: string;
  tfjs_version: string;
  backend: string;
  backend_version: string;
  details_json: string;
  first_seen: string;
}

export interface TrialRow {
  id: number;
  run_id: number;
  hardware_id: number;
  workload: string;
  variant: string;
  submission: string;
  ruleset: Ruleset;
  study: number;
  trial: number;
  base_seed: number;
  seed: number;
  hparams_json: string;
  target_validation: number;
  target_test: number;
  targets_version: number;
  metric: string;
  metric_direction: 'max' | 'min';
  budget_sec: number;
  budget_scale: number;
  /** As listed: a `running` row without a live claim reads `stale` (see ListedTrialStatus). */
  status: ListedTrialStatus;
  time_to_target_sec: number | null;
  test_reached: number | null;
  steps: number | null;
  submission_time_sec: number | null;
  eval_time_sec: number | null;
  error: string | null;
  backend: string;
  backend_version: string;
  started_at: string;
  finished_at: string | null;
  submission_hash: string;
  search_space_hash: string | null;
  workload_hash: string;
  targets_hash: string;
  code_key: string;
  algobench_version: string;
  target_step: number | null;
  target_resolution: number | null;
  hparams_read_json: string | null;
  noise_json: string | null;
  noisy: number;
  /** Who holds (or held) the trial's claim: host name, process id, lease end (epoch seconds). Null on rows from before schema 3. */
  claim_host: string | null;
  claim_pid: number | null;
  claim_expires_at: number | null;
  /** The budget saver's settings (JSON) when the trial ran with it: an exploratory trial, never scored. Null otherwise and before schema 5. */
  budget_saver_json: string | null;
  /** The saver's predicted P(reach the target) when it stopped the trial (`stopped_predicted_miss`); null otherwise. */
  saver_probability: number | null;
}

/** One eval as the store keeps it. */
export interface EvalRecord {
  readonly step: number;
  readonly submissionTimeSec: number;
  /** How long this eval took (off the clock). */
  readonly evalTimeSec: number;
  readonly trainLoss: number;
  readonly validation: Metrics;
  readonly test: Metrics;
}

export interface EvalRow {
  id: number;
  trial_id: number;
  step: number;
  submission_time_sec: number;
  eval_time_sec: number;
  train_loss: number | null;
  validation_json: string;
  test_json: string;
  recorded_at: string;
}

/**
 * A trial's key without the hardware, as one line of text: its place in the grid and
 * the code key. The plan file names its trials by it and merge matches shard rows to
 * planned trials by it (a trial run on two fingerprints is one planned trial).
 */
export function trialKeyText(k: Omit<TrialKey, 'hardwareId'>): string {
  const ref = k.variant === 'base' ? k.workload : `${k.workload}:${k.variant}`;
  return `${ref}/${k.submission}/${k.ruleset}/x${k.budgetScale}/seed${k.baseSeed}/study${k.study}/trial${k.trial}/${k.codeKey}`;
}
