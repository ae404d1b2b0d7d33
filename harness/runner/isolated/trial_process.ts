/**
 * A trial's own process: the only place a submission's code runs. Started by the
 * run (run_isolated.ts) under Node's permission model (sandbox.ts), it
 * 1. captures the clock (clock.ts is its first import, before any submission code);
 * 2. waits for the trial: workload, training split, hyperparameters, seed;
 * 3. selects the backend and loads the training split only (the parent keeps
 *    validation and test data and evaluates the parameters sent to it);
 * 4. closes what the permission model leaves open (lockdown.ts), imports the
 *    submission, checks its shape, runs the trial and sends the result.
 * Ctrl-C reaches the whole process group; this process ignores it and stops when the
 * parent says so, so that the trial ends as `interrupted` with its evals recorded.
 */
import { realClock } from '../clock.ts';
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../../core/errors.ts';
import { selectBackend } from '../../backends/select.ts';
import { loadNativeAddon, NATIVE_ADDON_PATH } from '../../backends/native/addon.ts';
import { contractProblems, importSubmissionModule } from '../../submissions/load.ts';
import type { Metrics, Submission, TensorMap, Workload } from '../../spec.ts';
import { WORKLOADS } from '../../../workloads/registry.ts';
import { scheduleFromSpec } from '../eval_schedule.ts';
import { forbiddenMessage, runTrial, trainingPassOnce, type Evaluator } from '../trial.ts';
import { lockDown } from './lockdown.ts';
import { reserveTrialHeap } from '../../backends/wasm/heap_reserve.ts';
import { paceMeter, START_PACE, type PaceMeter } from '../pace.ts';
import type { FromTrial, TensorData, ToTrial } from './protocol.ts';
import { readTrainDataFile } from './train_file.ts';

type Start = Extract<ToTrial, { kind: 'start' }>;

/** To the parent; `sent` once the message is written, or the channel failed (`ok` false). */
const send = (message: FromTrial, sent?: (ok: boolean) => void): void => {
  if (sent === undefined) process.send?.(message);
  else process.send?.(message, (err: Error | null) => sent(err === null));
};

/**
 * V8's collector (TRIAL_V8_FLAGS has --expose-gc), taken before any submission code runs:
 * one that replaces the global replaces its own. (V8 makes the global undeletable; a
 * submission that calls it collects on its own clock.)
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** How often progress goes to the parent: it doubles as the heartbeat. */
const PROGRESS_EVERY_SEC = 0.25;

const interrupt = new AbortController();
const pendingEvals = new Map<number, { resolve: (m: { validation: Record<string, number>; test: Record<string, number> }) => void; reject: (e: Error) => void }>();
let nextEvalId = 1;

function tensorData(t: tf.Tensor): TensorData {
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return { shape: [...t.shape], dtype: t.dtype as TensorData['dtype'], values };
}

/** The workload's fixed pass, timed at start and again at each eval (runner/pace.ts). */
let meter: PaceMeter | undefined;

const remoteEvaluator: Evaluator = (params: TensorMap) => {
  const id = nextEvalId++;
  // Off the clock like the eval itself: has this process slowed since it started?
  const pace = meter?.sample();
  const data: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(params)) data[name] = tensorData(t);
  const reply = new Promise<{ validation: Metrics; test: Metrics }>((resolve, reject) => {
    pendingEvals.set(id, { resolve, reject });
  });
  // Once the runner has the parameters, while it evaluates them (off the clock, and inside
  // the runner's own account of the eval): the copies just made (parameter-sized, outside
  // V8's heap) and whatever else is dead are collected now, not by the steps after the
  // eval, and every trial's heap leaves each eval alike. Left to V8, 2 of 8 spam_bow
  // processes fell into a major GC after every check (0.39–0.40 s against 0.30–0.32 s).
  // Collected after the reply instead, the runner counted the collection as training.
  const collected = new Promise<void>((resolve) => {
    send({ kind: 'evaluate', id, params: data, ...(pace === undefined ? {} : { pace }) }, (ok) => {
      if (ok) collectGarbage?.();
      resolve();
    });
  });
  return Promise.all([reply, collected]).then(([metrics]) => metrics);
};

/**
 * Three forward and backward passes of the model on a batch of 128 (the baselines'
 * size), off the clock: a fresh process compiles and loads its kernels, grows its wasm
 * memory and warms its JIT on first use, which a run in one process used to pay once,
 * before its first trial (the backend probe). With one pass on two examples, char_lm's
 * first 1.5 s in a fresh process ran at 0.24× the steps per second of a warm process
 * (`bench --isolation`, quiet machine); with these passes, 0.77× — about 0.3 s more at
 * start-up, which is off the clock. What stays is the submission's own first use.
 * Then the heap the trial will grow into is made resident (backends/wasm/heap_reserve.ts:
 * 16 copies of the parameters, 32–512 MiB), off the clock too: spam_bow's reference
 * trial took ~9,500 page faults on the clock without it and ~1,100 with it.
 */
function warmUp(workload: Workload): void {
  reserveTrialHeap(trainingPassOnce(workload, 128, 3));
}

async function run(start: Start): Promise<void> {
  if (start.mode === 'inspect') {
    // Importing needs no backend; the native kernels are not loaded, so no addon is allowed.
    const allowedAddons: string[] = [];
    lockDown(allowedAddons);
    const candidate = await importSubmissionModule(start.modulePath);
    const problems = contractProblems(candidate);
    send({ kind: 'ready', name: problems.length === 0 ? (candidate as Submission).name : '', problems });
    return;
  }
  // First of all: the kernel threads the trial starts inherit its main thread's CPUs.
  // Unpinned, it would train on the harness's CPU: no trial rather than a skewed one, and
  // the machine's fault, not the submission's.
  if (start.trialCpus !== undefined && loadNativeAddon()?.pinThread?.(Float64Array.from(start.trialCpus)) !== true) {
    send({ kind: 'fault', message: `the trial's process could not pin itself to CPUs ${start.trialCpus.join(',')} (ALGOBENCH_TRIAL_CPUS=off runs trials unpinned)` });
    return;
  }
  await selectBackend(start.backend);
  const allowedAddons = loadNativeAddon() === undefined ? [] : [NATIVE_ADDON_PATH];
  // Built from its definition with the budget the parent sends: the registry's
  // getWorkload would read workloads/targets.json, which a trial's process may not.
  const { name, variant, budget } = start.workload!;
  const workload = { ...WORKLOADS[name]!.create(variant), budget };
  workload.loadTrain(readTrainDataFile(start.trainDataFile!));
  warmUp(workload);
  // Before any submission code runs in this process: what this process can do (pace.ts).
  meter = paceMeter(workload);
  send({ kind: 'pace', pace: meter.time(START_PACE.minPasses, START_PACE.maxPasses, START_PACE.budgetMs) });
  lockDown(allowedAddons);
  const candidate = await importSubmissionModule(start.modulePath);
  const problems = contractProblems(candidate);
  send({ kind: 'ready', name: problems.length === 0 ? (candidate as Submission).name : '', problems });
  if (problems.length > 0) return;
  send({ kind: 'training' });
  const w0 = realClock.now();
  let lastProgress = -Infinity;
  const result = await runTrial(
    {
      workload,
      targets: start.targets!,
      submission: candidate as Submission,
      hparams: start.hparams ?? {},
      seed: start.seed ?? 0,
      budgetScale: start.budgetScale ?? 1,
      ...(start.evalSchedule === undefined ? {} : { evalSchedule: scheduleFromSpec(start.evalSchedule, workload.budget.stepHint) }),
      ...(start.hparamTracking === undefined ? {} : { hparamTracking: start.hparamTracking }),
    },
    {
      clock: realClock,
      signal: interrupt.signal,
      evaluator: remoteEvaluator,
      observer: {
        onStep: (progress) => {
          const now = realClock.now();
          if (now - lastProgress >= PROGRESS_EVERY_SEC) {
            lastProgress = now;
            send({ kind: 'progress', progress });
          }
        },
        onEval: (record) => send({ kind: 'eval', record }),
      },
    },
  );
  send({ kind: 'result', result, wallSec: realClock.now() - w0 });
}

process.on('message', (message: ToTrial) => {
  if (message.kind === 'start') {
    run(message).then(
      () => process.disconnect?.(),
      (err: unknown) => {
        const forbidden = forbiddenMessage(err);
        send({ kind: 'fatal', status: forbidden === undefined ? 'error' : 'forbidden', message: forbidden ?? errorMessage(err) });
        process.disconnect?.();
      },
    );
  } else if (message.kind === 'evaluated') {
    pendingEvals.get(message.id)?.resolve({ validation: message.validation, test: message.test });
    pendingEvals.delete(message.id);
  } else if (message.kind === 'evaluate-failed') {
    pendingEvals.get(message.id)?.reject(new Error(message.message));
    pendingEvals.delete(message.id);
  } else if (message.kind === 'interrupt') {
    interrupt.abort();
  }
});
