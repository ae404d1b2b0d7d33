/**
 * The name-blind check: a submission must behave the same on a workload whether or
 * not it can tell which workload it is. Rule (spec.ts, WorkloadInfo): no picking of
 * special logic by workload identity.
 *
 * The submission is probed (probe.ts) on the real workload info and on the same info
 * with its identifying fields disguised. Fields a submission needs to size a batch or
 * build an optimizer (train size, parameter types and shapes, loss type, metric
 * direction) stay as they are; fields that identify the workload without being
 * needed for that are changed:
 * - `name` → "anonymous_workload";
 * - `metric.name` → "validation_metric";
 * - `budget.stepHint` → stepHint + 1: schedules over the step hint are fine, a branch
 *   on its exact value (`stepHint === 2500`) is not;
 * - every other number of the budget (`maxRuntimeSec`) → × (1 + 2⁻¹⁰), for the same
 *   reason: a schedule over the time budget is fine, a branch on its value is not.
 *
 * Compared between the two probes, in this order: errors, batch size, the set of
 * hyperparameters read, the training examples selected, and the parameter updates
 * after the probe's steps (same seed, same batches). Updates may differ by up to
 * UPDATE_TOLERANCE (5 %), relative: an honest schedule over the step hint or the
 * time budget moves by about the perturbation (1/stepHint, 0.04 % on mnist_mlp;
 * 0.1 % for the time budget), or by 1/w where rounding moves a derived step count w
 * (a warmup of w steps) by one (0.8 % for a 125-step warmup), while an identity
 * branch or a per-workload table changes a learning rate by tens of percent.
 *
 * All fields are disguised at once first (one extra probe: a submission that checks
 * any one of them is caught even if it checks several); only when that run differs
 * is each field disguised alone, to say which one the submission keys on.
 */
import type { Submission, Workload, WorkloadInfo } from '../spec.ts';
import { probe, type ProbeOptions, type ProbeResult } from './probe.ts';

/** Largest relative difference of parameter updates tolerated between the probes. */
export const UPDATE_TOLERANCE = 0.05;

export const ANONYMOUS_NAME = 'anonymous_workload';
export const ANONYMOUS_METRIC = 'validation_metric';
const TIME_NUDGE = 1 + 2 ** -10;

interface Disguise {
  /** The field, as the finding names it. */
  readonly field: string;
  /** "when …": what the disguised probe saw. */
  readonly when: string;
  readonly apply: (info: WorkloadInfo) => WorkloadInfo;
}

const withBudget = (info: WorkloadInfo, key: string, value: number): WorkloadInfo =>
  Object.freeze({ ...info, budget: Object.freeze({ ...info.budget, [key]: value }) });

/**
 * The disguises for a workload: its name, its metric's name, and every number of its
 * budget (the step hint by one step, the others, times, by a factor 1 + 2⁻¹⁰).
 */
export function disguisesFor(real: Pick<WorkloadInfo, 'metric' | 'budget'>): Disguise[] {
  const budget = real.budget as unknown as Readonly<Record<string, unknown>>;
  const budgetDisguises = Object.keys(budget).flatMap((key): Disguise[] => {
    const value = budget[key];
    if (typeof value !== 'number') return [];
    const changed = key === 'stepHint' ? value + 1 : value * TIME_NUDGE;
    return [{
      field: `budget.${key}`,
      when: `when budget.${key} is ${changed} instead of ${value}`,
      apply: (info) => withBudget(info, key, changed),
    }];
  });
  return [
    {
      field: 'name',
      when: "when the workload's name is hidden",
      apply: (info) => Object.freeze({ ...info, name: ANONYMOUS_NAME }),
    },
    {
      field: 'metric.name',
      when: `when the metric's name "${real.metric.name}" is hidden`,
      apply: (info) => Object.freeze({ ...info, metric: Object.freeze({ ...info.metric, name: ANONYMOUS_METRIC }) }),
    },
    ...budgetDisguises,
  ];
}

function allAtOnce(disguises: readonly Disguise[]): Disguise {
  const fields = disguises.map((d) => d.field).join(', ');
  return {
    field: fields,
    when: `when its identity (${fields}) is disguised`,
    apply: (info) => disguises.reduce((i, d) => d.apply(i), info),
  };
}

export interface NameBlindResult {
  /** One line per field the submission keys on: what differed, and when. */
  readonly differences: readonly string[];
  /** The probes run, for the summary line. */
  readonly probes: number;
}

/**
 * Relative difference of two runs' parameter updates: ‖Δa − Δb‖ / max(‖Δa‖, ‖Δb‖),
 * with Δ = final − initial over every parameter; 0 when neither moved.
 */
export function updateDifference(a: ProbeResult, b: ProbeResult): number {
  let diff = 0;
  let normA = 0;
  let normB = 0;
  for (const [name, init] of Object.entries(a.initial)) {
    const fa = a.final[name];
    const fb = b.final[name];
    if (fa === undefined || fb === undefined || fa.length !== fb.length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < init.length; i++) {
      const da = fa[i]! - init[i]!;
      const db = fb[i]! - init[i]!;
      diff += (da - db) ** 2;
      normA += da * da;
      normB += db * db;
    }
  }
  if (Object.keys(a.final).length !== Object.keys(b.final).length) return Number.POSITIVE_INFINITY;
  const scale = Math.sqrt(Math.max(normA, normB));
  if (scale === 0) return 0;
  return Math.sqrt(diff) / scale;
}

const keyList = (keys: ReadonlySet<string>) => (keys.size === 0 ? 'none' : [...keys].sort().join(', '));

/** What differs between the real-info probe and a disguised one, or undefined. */
export function probeDifference(real: ProbeResult, hidden: ProbeResult, workloadName: string, when: string): string | undefined {
  const on = `on ${workloadName}`;
  if (real.error !== undefined || hidden.error !== undefined) {
    if (real.error === hidden.error && real.stepsRun === hidden.stepsRun) return undefined;
    if (hidden.error !== undefined) return `runs ${on} but throws ${when} (${hidden.error})`;
    return `throws ${on} (${real.error}) but runs ${when}`;
  }
  if (real.finite !== hidden.finite) {
    return real.finite
      ? `parameters stay finite ${on} but become non-finite ${when}`
      : `parameters become non-finite ${on} but stay finite ${when}`;
  }
  if (real.batchSize !== hidden.batchSize) return `batch size ${real.batchSize} ${on} but ${hidden.batchSize} ${when}`;
  const readsA = keyList(real.reads);
  const readsB = keyList(hidden.reads);
  if (readsA !== readsB) return `reads hyperparameters (${readsA}) ${on} but (${readsB}) ${when}`;
  const firstSelected = real.selected.findIndex((v, i) => hidden.selected[i] !== v);
  if (firstSelected >= 0 || real.selected.length !== hidden.selected.length) {
    return `selectData picks different training examples ${on} than ${when}`;
  }
  const d = updateDifference(real, hidden);
  if (real.finite && !(d <= UPDATE_TOLERANCE)) {
    const pct = !Number.isFinite(d) ? 'entirely' : `${d >= 0.1 ? Math.round(d * 100) : (d * 100).toPrecision(2)} %`;
    return `parameter updates after ${real.stepsRun} steps ${on} differ by ${pct} (tolerance ${UPDATE_TOLERANCE * 100} %) ${when}`;
  }
  return undefined;
}

/**
 * Probes `submission` on `workload` (loaded) with the real info and disguised ones;
 * returns one difference per field it keys on (empty when it is name-blind).
 * `baseline` is a probe on the real info with the same options, when the caller has one.
 */
export function nameBlindCheck(
  submission: Submission,
  workload: Workload,
  options: Omit<ProbeOptions, 'disguise'>,
  baseline: ProbeResult = probe(submission, workload, options),
): NameBlindResult {
  const disguises = disguisesFor(workload);
  const compare = (d: Disguise): string | undefined => {
    const hidden = probe(submission, workload, { ...options, disguise: d.apply });
    return probeDifference(baseline, hidden, workload.name, d.when);
  };
  const together = compare(allAtOnce(disguises));
  if (together === undefined) return { differences: [], probes: 2 };
  const alone = disguises.map((d) => compare(d)).filter((s): s is string => s !== undefined);
  return { differences: alone.length > 0 ? alone : [together], probes: 2 + disguises.length };
}

