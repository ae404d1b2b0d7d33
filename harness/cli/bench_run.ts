/**
 * What `algobench bench` does once its flags are parsed (bench_command.ts declares them):
 * loaded only when the command runs, since it brings TensorFlow.js, every workload and
 * tinybench with it.
 */
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import { benchBatchSize, benchWorkload, type BenchRow } from '../bench/bench.ts';
import { torchStep } from '../bench/torch_compare.ts';
import { loadSubmission, resolveModulePath } from '../submissions/load.ts';
import { isolationCost, type IsolationReport } from '../bench/isolation_cost.ts';
import { expandWorkloadRefs, getWorkload, WORKLOADS } from '../../workloads/registry.ts';
import { getReference, getTargets } from '../../workloads/targets.ts';
import { AlgobenchError } from '../core/errors.ts';
import { repeatTrial, type RepeatRow } from '../bench/repeatability.ts';
import type { Workload } from '../spec.ts';
import type { TrialNoise } from '../identity/calibration.ts';
import { optimizersCommand, selectZooModels, zooCommand } from './bench_zoo.ts';
import { checkPlannedTrials } from '../benchmark/plan_bounds.ts';
import { DEFAULT_OPTIMIZER_SECONDS } from '../bench/optimizer_bench.ts';

/** `bench --repeat`: each workload's reference trial, n times, each in its own trial process. */
async function repeatCommand(workloads: readonly Workload[], backend: BackendChoice, repeats: number, retries: number, seed: number, json: boolean): Promise<void> {
  const rows: RepeatRow[] = [];
  for (const w of workloads) {
    const reference = getReference(w.name, w.variant);
    if (reference === undefined) throw new AlgobenchError('E_TARGETS', `${w.name}:${w.variant} has no reference configuration in workloads/targets.json`);
    const submission = { name: reference.submission, modulePath: resolveModulePath(reference.submission) };
    const row = await repeatTrial(w, getTargets(w.name, w.variant), submission, { ...reference.hparams }, {
      repeats,
      // A repeat flagged noisy measured the machine, not the trial: up to `retries` more
      // (as many again unless --retries) run in place of noisy ones, and the CV is over
      // the quiet ones (both are shown).
      retries,
      seed,
      backend,
      onRepeat: (i, { result: r, noise, pid, boundary }) =>
        process.stderr.write(
          `${w.name} attempt ${i + 1} (for ${repeats} quiet repeats; process ${pid ?? '?'}, start-up ${boundary?.startSec.toFixed(1) ?? '—'} s): ${r.status}, target step ${r.targetStep ?? '—'}, time-to-target ${r.timeToTargetSec?.toFixed(3) ?? '—'} s, ${r.evals} evals (${r.evalTimeSec.toFixed(2)} s); calibration ${calibrationText(noise)}${noise.pace?.trial === undefined ? '' : `; step pace ${noise.pace.trial.fastestMs.toFixed(1)} ms${noise.pace.during === undefined ? '' : `, at evals ${noise.pace.during.medianMs.toFixed(2)} ms`} (runner ${Math.min(noise.pace.runner.before.fastestMs, noise.pace.runner.after.fastestMs).toFixed(1)} ms${noise.pace.runnerDuring === undefined ? '' : `, at evals ${noise.pace.runnerDuring.medianMs.toFixed(2)} ms`})`}${noise.reasons.length > 0 ? `; noisy: ${noise.reasons.join('; ')}` : ''}\n`,
        ),
    });
    rows.push(row);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
  process.stdout.write(`${['workload'.padEnd(18), 'target steps', 'mean s', 'CV quiet', 'CV all', 'CV at pace', 'calib CV mm/ew', 'evals s/trial', 'noisy/attempts'].join('  ')}\n`);
  for (const r of rows) {
    const evalSec = r.repeats.reduce((a, x) => a + x.result.evalTimeSec, 0) / r.repeats.length;
    process.stdout.write(
      `${[r.workload.padEnd(18), r.targetSteps.map((s) => s ?? '—').join(',').padStart(12), (r.meanSec?.toFixed(3) ?? '—').padStart(6), pct(r.cv).padStart(8), pct(r.cvAll).padStart(6), pct(r.cvAtPace).padStart(10), `${pct(r.calibrationCv.matmul)} / ${pct(r.calibrationCv.elementwise)}`.padStart(14), evalSec.toFixed(2).padStart(13), `${r.flagged.length}/${r.repeats.length}`.padStart(14)].join('  ')}\n`,
    );
  }
  for (const r of rows) {
    process.stdout.write(`${r.workload}: time-to-target of the quiet repeats ${r.timesSec.map((t) => t?.toFixed(3) ?? '—').join(', ')} s; every attempt ${r.repeats.map((x) => x.result.timeToTargetSec?.toFixed(3) ?? '—').join(', ')} s\n`);
    for (const f of r.flagged) process.stdout.write(`  attempt ${f.repeat} noisy: ${f.reasons.join('; ')}\n`);
  }
}

/** Fastest calibration repeats before → after, in ms. */
function calibrationText(noise: TrialNoise): string {
  return `matmul ${noise.before.matmulMs.toFixed(2)} → ${noise.after.matmulMs.toFixed(2)} ms, elementwise ${noise.before.elementwiseMs.toFixed(2)} → ${noise.after.elementwiseMs.toFixed(2)} ms`;
}

async function isolationCommand(workloads: readonly Workload[], backend: BackendChoice, flags: { rounds: number; blockSec: number; seed: number; json?: boolean; hostile?: string }): Promise<void> {
  const hostile = flags.hostile?.split(',').map((p) => resolveModulePath(p.trim())) ?? [];
  const reports: IsolationReport[] = [];
  for (const w of workloads) {
    const reference = getReference(w.name, w.variant);
    if (reference === undefined) throw new AlgobenchError('E_TARGETS', `${w.name}:${w.variant} has no reference configuration in workloads/targets.json`);
    const submission = await loadSubmission(reference.submission);
    reports.push(
      await isolationCost(w, getTargets(w.name, w.variant), submission, { ...reference.hparams }, {
        rounds: flags.rounds, seed: flags.seed, budgetSec: flags.blockSec, backend, hostile,
        onSample: (s) => process.stderr.write(`${w.name} round ${s.round + 1} ${s.arm}${s.after === undefined ? '' : ` (after ${s.after.modulePath.split('/').at(-2)}: ${s.after.status})`}: ${s.steps} steps in ${s.submissionTimeSec.toFixed(2)} s = ${s.stepsPerSec.toFixed(1)} steps/s${s.boundary === undefined ? '' : `; boundary: start ${s.boundary.startSec.toFixed(2)} s, stop ${s.boundary.stopSec.toFixed(3)} s`}\n`),
      }),
    );
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    return;
  }
  const fmt = (x: number | null, digits = 1) => (x === null ? '—' : x.toFixed(digits));
  process.stdout.write(`${['workload'.padEnd(18), 'inline steps/s', 'process steps/s', 'process/inline', 'after hostile/process', 'start s', 'stop s'].join('  ')}\n`);
  for (const r of reports) {
    const m = r.medianStepsPerSec;
    process.stdout.write(
      `${[r.workload.padEnd(18), fmt(m.inline).padStart(14), fmt(m.process).padStart(15), (m.inline && m.process ? `${(m.process / m.inline).toFixed(3)}×` : '—').padStart(14), (m.after_hostile && m.process ? `${(m.after_hostile / m.process).toFixed(3)}×` : '—').padStart(21), fmt(r.medianBoundaryStartSec, 2).padStart(7), fmt(r.medianBoundaryStopSec, 3).padStart(6)].join('  ')}\n`,
    );
  }
}

/** The flags bench_command.ts declares, as commander hands them over. */
export interface BenchFlags {
  workload: string[];
  submission: string[];
  backend: BackendChoice;
  time: number;
  rounds: number;
  blockSec: number;
  json?: boolean;
  torch?: boolean;
  python: string;
  repeat?: number;
  retries?: number;
  seed: number;
  isolation?: boolean;
  hostile?: string;
  zoo?: boolean;
  zooModel: string[];
  optimizers?: boolean;
  /** Whether --time was given: --optimizers times 1 s per measurement unless it was. */
  timeGiven: boolean;
}

export async function runBench(flags: BenchFlags, defaultSubmission: string): Promise<void> {
  if (flags.zoo || flags.zooModel.length > 0 || flags.optimizers) {
    if (flags.repeat !== undefined || flags.retries !== undefined || flags.isolation) throw new AlgobenchError('E_USAGE', 'bench --zoo and --optimizers run on their own; drop --repeat, --retries and --isolation');
    // Check the names before the backend is chosen and probed: a typo costs one line.
    const models = flags.zoo || flags.zooModel.length > 0 ? selectZooModels(flags.zooModel) : [];
    const backend = await selectBackend(flags.backend);
    const common = { python: flags.python, seconds: flags.time / 1000, torch: true, json: flags.json === true };
    if (models.length > 0) await zooCommand(models, backend, common);
    // 30 optimizer measurements, each timed three times: --time's default (3 s, for a
    // workload's step) would make a run of many minutes; 1 s each unless asked.
    const optimizerSeconds = flags.timeGiven ? common.seconds : DEFAULT_OPTIMIZER_SECONDS;
    if (flags.optimizers) await optimizersCommand(backend, { ...common, seconds: optimizerSeconds });
    return;
  }
  const names = flags.workload.length > 0 ? flags.workload : Object.keys(WORKLOADS);
  if (flags.submission.length > 1) throw new AlgobenchError('E_USAGE', `bench times one submission's step; pass one --submission (got ${flags.submission.join(', ')})`);
  const workloads = expandWorkloadRefs(names).map((n) => getWorkload(n));
  if (flags.retries !== undefined && flags.repeat === undefined) throw new AlgobenchError('E_USAGE', 'bench --retries only goes with --repeat <n>; add --repeat or drop --retries');
  if (flags.isolation) {
    const backend = await selectBackend(flags.backend);
    await isolationCommand(workloads, backend.name as BackendChoice, flags);
    return;
  }
  if (flags.repeat !== undefined) {
    const retries = flags.retries ?? flags.repeat;
    checkPlannedTrials([{ what: 'workload(s)', n: workloads.length }, { what: 'attempts', n: flags.repeat + retries }], 'repeat a few workloads at a time (-w), or lower --repeat or --retries');
    const backend = await selectBackend(flags.backend);
    await repeatCommand(workloads, backend.name as BackendChoice, flags.repeat, retries, flags.seed, flags.json === true);
    return;
  }
  const { submission } = await loadSubmission(flags.submission[0] ?? defaultSubmission);
  const backend = await selectBackend(flags.backend);
  const rows: Array<BenchRow & { torchMs?: number; ratio?: number; torchError?: string }> = [];
  for (const w of workloads) {
    if (!flags.json) process.stderr.write(`benchmarking ${w.name}…\n`);
    // PyTorch is timed just before and just after algobench's step, and the faster
    // of the two counts: drift in a shared machine's speed cannot flatter the ratio.
    await w.load();
    const batch = flags.torch ? benchBatchSize(w, submission) : 0;
    const before = flags.torch ? torchStep(flags.python, w.name, batch, flags.time / 1000) : undefined;
    const row = await benchWorkload(w, submission, { timeMs: flags.time, rounds: flags.rounds, runnerSec: flags.blockSec });
    if (before === undefined) {
      rows.push(row);
      continue;
    }
    const after = torchStep(flags.python, w.name, row.batchSize, flags.time / 1000);
    const timings = [before, after].flatMap((t) => ('error' in t ? [] : [t.medianMs]));
    if (timings.length === 0) {
      rows.push({ ...row, torchError: 'error' in before ? before.error : 'failed' });
      continue;
    }
    const torchMs = Math.min(...timings);
    rows.push({ ...row, torchMs, ratio: row.stepMs / torchMs });
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ backend, submission: submission.name, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`backend ${backend.name} ${backend.version}; step = ${submission.name}'s training step\n`);
  const header = ['workload'.padEnd(20), 'batch', 'step ms', 'eval ms', 'runner step ms', 'overhead'];
  if (flags.torch) header.push('torch ms', 'tfjs/torch');
  process.stdout.write(`${header.join('  ')}\n`);
  for (const r of rows) {
    const cells = [r.workload.padEnd(20), String(r.batchSize).padStart(5), r.stepMs.toFixed(2).padStart(7), r.evalMs.toFixed(1).padStart(7), r.runnerStepMs.toFixed(2).padStart(14), `${r.overheadPct.toFixed(1)} %`.padStart(8)];
    if (flags.torch) cells.push(r.torchMs === undefined ? `(${r.torchError})` : r.torchMs.toFixed(2).padStart(8), r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`.padStart(10));
    process.stdout.write(`${cells.join('  ')}\n`);
  }
}
