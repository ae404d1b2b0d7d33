/**
 * What a person sees while a benchmark runs. On a terminal: one live bar per trial
 * (trial i/N, step, submission time against the budget, last metric against the
 * target). Elsewhere (CI logs, pipes): one line per trial start and end.
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import cliProgress from 'cli-progress';
import type { BenchmarkListener } from '../benchmark/execute.ts';
import type { PlannedTrial } from '../benchmark/plan.ts';
import type { TrialResult } from '../core/trial_result.ts';

function label(p: PlannedTrial): string {
  const w = formatWorkloadRef(p.workload);
  return `${w} · ${p.submission.name} · study ${p.study} trial ${p.trial}`;
}

function outcome(r: TrialResult): string {
  const ttt =
    r.timeToTargetSec === null
      ? 'target missed'
      : `time-to-target ${r.timeToTargetSec.toFixed(2)} s at step ${r.targetStep}${r.targetResolution === null ? '' : ` (±${(r.targetResolution * 100).toFixed(1)} %)`}`;
  const err = r.error ? ` (${r.error})` : '';
  return `${r.status}: ${ttt}, ${r.steps} steps, ${r.submissionTimeSec.toFixed(1)} s on the clock, ${r.evalTimeSec.toFixed(1)} s of evals${err}`;
}

/**
 * The listener, and `close`: stops a live bar (and shows the cursor again) when the run
 * ends without its trial ending, as when a store or machine fault is raised mid-trial.
 */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): BenchmarkListener & { close(): void } {
  const live = stream.isTTY === true;
  let total = 0;
  let bar: cliProgress.SingleBar | undefined;
  let current: PlannedTrial | undefined;
  let lastMetric = '–';
  const log = (line: string) => stream.write(`${line}\n`);

  return {
    onStart: ({ backend, hardware, total: n, dbPath }) => {
      total = n;
      log(`algobench: ${n} trial(s) on ${backend.name} ${backend.version} (${backend.package}); hardware ${hardware.fingerprint}; results → ${dbPath}`);
    },
    onTrialStart: (index, planned, skipped) => {
      current = planned;
      if (skipped) {
        log(`[${index + 1}/${total}] ${label(planned)}: already finished, skipped`);
        return;
      }
      lastMetric = '–';
      const budget = Number(planned.budgetSec.toPrecision(6)); // 1.5, not 1.5000000000000002
      if (!live) {
        log(`[${index + 1}/${total}] ${label(planned)}: running (budget ${budget} s)`);
        return;
      }
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `[${index + 1}/${total}] {label} |{bar}| {time}/{budget} s · step {step} · {metric}`,
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(budget, 0, { label: label(planned), time: '0.0', budget, step: 0, metric: lastMetric });
    },
    onStep: ({ step, submissionTimeSec, budgetSec }) => {
      bar?.setTotal(budgetSec);
      bar?.update(Math.min(submissionTimeSec, budgetSec), { time: submissionTimeSec.toFixed(1), budget: budgetSec, step, metric: lastMetric });
    },
    onEval: (record) => {
      if (current === undefined) return;
      const m = current.workload.metric;
      const value = record.validation[m.name];
      lastMetric = `${m.name} ${value?.toFixed(4)} → target ${m.direction === 'max' ? '≥' : '≤'} ${current.targets.validation}`;
    },
    onTrialEnd: (index, planned, result) => {
      bar?.stop();
      bar = undefined;
      log(`[${index + 1}/${total}] ${label(planned)}: ${outcome(result)}`);
    },
    onWarning: (message) => {
      bar?.stop();
      bar = undefined;
      log(`warning: ${message}`);
    },
    close: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
