/**
 * Runs one trial in a process of its own, with a watchdog: the parent side of
 * trial_process.ts. The parent never runs submission code; it holds the workload's
 * validation and test data and evaluates the parameters the trial sends.
 *
 * The watchdog ends a trial that
 * - stops answering (no progress for `stallSec`): `timeout`;
 * - runs past its budget, counted on the parent's clock from the start of training
 *   minus the time spent on evals, by more than the grace margin: `timeout`;
 * - exits or dies on its own before sending its result: `crashed`;
 * - goes over the memory cap (resident set, read from /proc): `killed`;
 * - opens a socket or maps a native library it may not (read from /proc, for what
 *   the in-process lockdown cannot promise): `forbidden`.
 * A killed trial's process is killed with SIGKILL; nothing of it survives into the
 * next trial, which gets a fresh process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { errorMessage, exhaustedResource, MachineFault } from '../../core/errors.ts';
import type { BackendChoice } from '../../backends/select.ts';
import { NATIVE_ADDON_PATH } from '../../backends/native/addon.ts';
import { entryPointUrls } from '../../core/package_entry_points.ts';
import { cjsFacades } from '../../core/cjs_facades.ts';
import type { Hparams, Targets, TensorMap, TrialStatus, Workload } from '../../spec.ts';
import type { TrackOptions } from '../../tuning/hparam_view.ts';
import { geometricEvalSchedule, scheduleFromSpec, type EvalScheduleSpec } from '../eval_schedule.ts';
import type { EvalRecord } from '../../store/rows.ts';
import type { TrialObserver } from '../trial.ts';
import { type FailedStatus, type FailedTrial, type TrialResult, trialResult } from '../../core/trial_result.ts';
import { meetsTarget } from '../workload_info.ts';
import { saverDecision, type SaverSettings } from '../../saver/policy.ts';
import { compileForTrials, type CompiledTree } from './compile.ts';
import { implausibleEvals, type EvalClaim, type EvalRequest } from './eval_claims.ts';
import { activeCpuPlan } from '../../backends/cpu_plan.ts';
import type { FromTrial, TensorData, ToTrial } from './protocol.ts';
import { permissionFlags, TRIAL_CWD } from './sandbox.ts';
import { removeTrainDataDir, trainDataDir, writeTrainDataFile } from './train_file.ts';
import type { PaceReading, TrialPace } from '../../identity/calibration.ts';
import { paceMeter, START_PACE, type PaceMeter } from '../pace.ts';
import { median } from '../../scoring/aggregate.ts';

/** A pace the trial's process reported: its numbers are its own, so only sane ones count. */
function validPace(pace: unknown): pace is PaceReading {
  const p = pace as Partial<PaceReading> | null;
  return typeof p === 'object' && p !== null && typeof p.fastestMs === 'number' && Number.isFinite(p.fastestMs) && p.fastestMs > 0 && Number.isInteger(p.passes) && p.passes! > 0;
}

const BOOTSTRAP = fileURLToPath(new URL('./trial_bootstrap.mjs', import.meta.url));

export interface WatchdogLimits {
  /** Seconds without a word from the trial before it counts as hung. @default 20 + budget/4, at most 120 */
  readonly stallSec?: number;
  /** Seconds past the budget (parent's clock, evals excluded) before a trial is stopped. @default 30 + half the budget */
  readonly graceSec?: number;
  /** Resident memory cap of the trial's process, bytes. @default 6 GiB */
  readonly memoryCapBytes?: number;
  /** Seconds the process may take to start and load before training begins. @default 120 */
  readonly startupSec?: number;
}

export interface IsolatedTrialSpec {
  readonly workload: Workload;
  readonly targets: Targets;
  readonly modulePath: string;
  readonly hparams: Hparams;
  readonly seed: number;
  readonly budgetScale: number;
  readonly backend: BackendChoice;
  readonly hparamTracking?: TrackOptions;
  readonly evalSchedule?: EvalScheduleSpec;
  readonly limits?: WatchdogLimits;
  /**
   * Stop the trial as `stopped_predicted_miss` at an eval where the budget saver
   * predicts a miss (saver/policy.ts). Only for exploratory runs: never scored.
   */
  readonly budgetSaver?: SaverSettings;
}

export interface IsolatedTrialEnv {
  readonly signal?: AbortSignal;
  readonly observer?: TrialObserver;
  /**
   * The run's record of its trial processes' paces, which a later trial process is held to
   * (identity/calibration.ts, paceReasons). One per run; without it the trial is held to none.
   */
  readonly paces?: TrialPaceBook;
}

/**
 * The fastest paces of one run, per workload, variant and backend: the fastest start a
 * trial process reached, and the fastest median of the runner's own eval-time passes
 * over a trial (what the machine could do while a trial ran). Each `hold…` returns the
 * bar before this trial, then takes the trial's own figure into account.
 */
export class TrialPaceBook {
  private readonly fastestStart = new Map<string, number>();
  private readonly fastestRunnerDuring = new Map<string, number>();

  /** The fastest trial-process start so far for this key. */
  holdStart(key: string, paceMs: number | undefined): number | undefined {
    return TrialPaceBook.hold(this.fastestStart, key, paceMs);
  }

  /** The fastest median of the runner's eval-time samples over a trial so far for this key. */
  holdRunnerDuring(key: string, medianMs: number | undefined): number | undefined {
    return TrialPaceBook.hold(this.fastestRunnerDuring, key, medianMs);
  }

  private static hold(fastest: Map<string, number>, key: string, ms: number | undefined): number | undefined {
    const before = fastest.get(key);
    if (ms !== undefined) fastest.set(key, Math.min(before ?? Infinity, ms));
    return before;
  }
}

/**
 * The runner's meter of the workload's fixed passes for one trial, made once: it times
 * them before the trial, samples them at each eval while the trial waits, and times
 * them after. Every reading is undefined once the workload could not take these passes
 * here (its trial then fails in the trial's process, where it is named).
 */
class RunnerPace {
  private meter: PaceMeter | null | undefined;

  constructor(private readonly workload: IsolatedTrialSpec['workload']) {}

  /** The fastest of START_PACE's passes (before and after the trial). */
  reading(): PaceReading | undefined {
    return this.use((m) => m.time(START_PACE.minPasses, START_PACE.maxPasses, START_PACE.budgetMs));
  }

  /** A short sample's fastest pass, in ms (at an eval). */
  sample(): number | undefined {
    return this.use((m) => m.sample().fastestMs);
  }

  dispose(): void {
    this.meter?.dispose();
    this.meter = null;
  }

  private use<T>(read: (m: PaceMeter) => T): T | undefined {
    if (this.meter === null) return undefined;
    try {
      this.meter ??= paceMeter(this.workload);
      return read(this.meter);
    } catch {
      this.dispose();
      return undefined;
    }
  }
}

/** What the process boundary cost: seconds from spawn to the first step, and to teardown. */
export interface BoundaryCost {
  readonly startSec: number;
  readonly stopSec: number;
}

const DEFAULT_MEMORY_CAP = 6 * 1024 ** 3;
const POLL_MS = 200;
/**
 * How long a trial process's unexplained end waits for the run's own interrupt before
 * it is called a crash (see `ended`): signals are handled on each process's event
 * loop, a few milliseconds apart; half a second is ample even on a loaded machine.
 */
const SIGNAL_GRACE_MS = 500;

let compiled: Map<string, CompiledTree> | undefined;

/** The compiled code for a submission's folder, compiled at most once per process. */
function compiledFor(modulePath: string): CompiledTree {
  compiled ??= new Map();
  const key = dirname(modulePath);
  let tree = compiled.get(key);
  if (tree === undefined) {
    tree = compileForTrials(modulePath);
    compiled.set(key, tree);
  }
  return tree;
}

/** Trial processes alive now: killed if the run itself exits (Ctrl-C while one loads, a crash). */
const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) killIfRunning(child);
});

/**
 * util-linux's setpriv, where there is one: a trial's process starts through it with a
 * parent-death signal (prctl PR_SET_PDEATHSIG, kept across its exec of Node), so the
 * kernel kills it when the run's process dies without running its exit handler
 * (SIGKILL, the out-of-memory killer, a test worker torn down). Without it, a
 * submission spinning at import outlived a killed run at full CPU, skewing every later
 * trial on the machine. Elsewhere the process starts directly, covered by the exit handler only.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** A message that has the protocol's shape at least: an object with a kind (protocol.ts). */
function isProtocolMessage(message: unknown): message is FromTrial {
  return typeof message === 'object' && message !== null && typeof (message as { kind?: unknown }).kind === 'string';
}

/** A short account of a value a trial's process sent, for the verdict. */
function describeMessage(message: unknown): string {
  if (message === null) return 'null';
  if (typeof message !== 'object') return `${typeof message} ${String(message).slice(0, 40)}`;
  return `an object with keys ${Object.keys(message).slice(0, 5).join(', ') || 'none'}`;
}

/** What a trial's process may print to the run's stdout and stderr, each; the rest is dropped. */
export const OUTPUT_CAP_BYTES = 64 * 1024;

/**
 * Passes a trial process's output on to the run's (a submission may log), up to
 * OUTPUT_CAP_BYTES per stream; keeps the last lines of stderr for a crash message.
 */
function relayOutput(child: ChildProcess, stderrTail: string[]): void {
  const relay = (from: NodeJS.ReadableStream | null, to: NodeJS.WriteStream, tail?: string[]) => {
    let budget = OUTPUT_CAP_BYTES;
    from?.setEncoding('utf8');
    from?.on('data', (chunk: string) => {
      if (tail !== undefined) {
        tail.push(chunk.slice(-2_000));
        if (tail.length > 20) tail.shift();
      }
      if (budget <= 0) return;
      const part = chunk.length > budget ? chunk.slice(0, budget) : chunk;
      budget -= part.length;
      to.write(part);
      if (budget <= 0) to.write(`\n[algobench: the trial's output goes over ${OUTPUT_CAP_BYTES / 1024} KiB; the rest is dropped]\n`);
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr, stderrTail);
}

/**
 * V8 flags of every trial process. A young generation of 64 MiB semispaces instead of
 * the default 16: a training step makes megabytes of short-lived JS objects (tensor
 * handles, tape nodes, heap views), and with the default a g2p_gru trial stops for a
 * scavenge at almost every step, on its clock. Measured on a quiet machine, 60 fixed
 * g2p_gru passes per fresh process, 3 alternating pairs: 42 scavenges with 16 MiB
 * against 11–12 with 64 MiB, 222–267 ms of GC against 172–215 ms (a scavenge costs in
 * proportion to what survives it, so fewer, larger ones save less than their count).
 * Tried and not taken (2026-12-02, real trial processes): semispaces at full size from
 * the start (`--min-semi-space-size`) with garbage written through them before the
 * clock took 2–3× more page faults during training (mnist_mlp 14–16k against 4–6k,
 * g2p_gru ~100k against ~33k); `--predictable-gc-schedule` (4 MiB semispaces) took
 * 2.5–3× fewer, but g2p_gru's mean time-to-target over 5 repeats was 19.9 s against
 * 16.2 s with these flags.
 * `--expose-gc`: the trial's process collects its garbage while the runner evaluates
 * (trial_process.ts), so that an eval's copies of the parameters are not collected on
 * the clock of the steps after it; the process takes `gc` before any submission code
 * runs (a submission that calls it collects on its own clock).
 * Every trial gets the same flags, so no submission gains over another.
 */
export const TRIAL_V8_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--expose-gc'];

/** Whether a spawned process never started: no pid, and so no 'exit' to wait for. */
const neverStarted = (child: ChildProcess): boolean => child.pid === undefined;

/**
 * SIGKILL to a process that started and has not ended. Never to one that did not start:
 * until Node reports its spawn's failure (a tick later) its handle still takes kill(), with
 * pid 0, and kill(0, SIGKILL) is the run's whole process group.
 */
function killIfRunning(child: ChildProcess): void {
  if (!neverStarted(child) && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Sends to a process that started and still listens. One that never started is settled by
 * its 'error' (EMFILE leaves it no channel at all; EAGAIN or ENOENT one on no process).
 */
function sendIfStarted(child: ChildProcess, message: ToTrial): void {
  if (!neverStarted(child) && child.connected) child.send(message);
}

/**
 * Resolves once the process has ended and been reaped, or, for one that never started,
 * once its spawn has failed.
 */
function gone(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.on('error', () => {
      if (neverStarted(child)) resolve();
    });
  });
}

/** The machine fault of a process (`role`) that could not start: spawn failed, or what comes before it ran out. */
const couldNotStart = (role: string, err: unknown): MachineFault => new MachineFault(`${role} could not start`, err);

/**
 * Starts a trial's process under the sandbox; `readable`: more folders it may read (its
 * training split's, train_file.ts). Throws couldNotStart(`role`) when spawn throws, or when
 * what comes before it (compiling, listing the readable folders) runs out of descriptors,
 * memory or disk; a compile error of the submission propagates as it is.
 */
export function spawnTrialProcess(role: string, modulePath: string, stderrTail: string[] = [], readable: readonly string[] = []): ChildProcess {
  let tree: CompiledTree;
  let flags: string[];
  try {
    tree = compiledFor(modulePath);
    flags = permissionFlags(modulePath, [...tree.dirs, ...readable]);
  } catch (err) {
    throw exhaustedResource(err) === undefined ? err : couldNotStart(role, err);
  }
  const plan = activeCpuPlan();
  const threads = plan === undefined ? process.env['ALGOBENCH_THREADS'] : String(plan.trialThreads);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '',
    ...(threads === undefined ? {} : { ALGOBENCH_THREADS: threads }),
    ...(process.env['ALGOBENCH_NATIVE'] === undefined ? {} : { ALGOBENCH_NATIVE: process.env['ALGOBENCH_NATIVE'] }),
  };
  const nodeArgs = [...TRIAL_V8_FLAGS, ...flags, BOOTSTRAP, JSON.stringify(tree.dirs), JSON.stringify(entryPointUrls()), JSON.stringify(cjsFacades())];
  // Under a CPU plan the child starts on the harness's CPUs, as this process is pinned:
  // V8's helper threads stay there, and its main thread moves to the trial's CPUs
  // (trial_process.ts) before any kernel thread starts.
  const [command, args] = SETPRIV === undefined ? [process.execPath, nodeArgs] : [SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...nodeArgs]];
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: TRIAL_CWD,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
  } catch (err) {
    // Node throws, rather than emitting 'error', for most errnos (ENOMEM among them).
    throw couldNotStart(role, err);
  }
  alive.add(child);
  child.on('exit', () => alive.delete(child));
  // A process that could not start (out of file descriptors, of processes, of memory)
  // emits 'error' and never 'exit'. This listener is also the one that keeps such an
  // 'error' from being thrown out of the run; its caller's own says what it means.
  child.on('error', () => {
    if (neverStarted(child)) alive.delete(child);
  });
  relayOutput(child, stderrTail);
  return child;
}

function fromTensorData(data: Readonly<Record<string, TensorData>>): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(data)) out[name] = tf.tensor(t.values, [...t.shape], t.dtype);
  return out;
}

/** Resident set size of a process, from /proc; undefined when it cannot be read. */
function residentBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Something the process holds that a trial may not: a socket besides the IPC channel,
 * or a native library besides Node's own and algobench's kernels.
 */
function sandboxBreach(pid: number, ipcSockets: ReadonlySet<string>): string | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target.startsWith('socket:') && !ipcSockets.has(target)) return `the submission opened a socket (${target}), which a trial may not`;
    }
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    for (const line of maps.split('\n')) {
      const path = line.slice(line.indexOf('/'));
      if (path.endsWith('.node') && path !== NATIVE_ADDON_PATH) return `the submission loaded the native addon ${JSON.stringify(path)}, which a trial may not`;
    }
  } catch {
    // The process is gone or /proc is not there: the exit handler speaks for it.
  }
  return undefined;
}

function socketsOf(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:')) out.add(target);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return out;
}

/** The line of a dead process's stderr that says why: its error, else its last line. */
function lastWords(stderrTail: readonly string[]): string | undefined {
  const lines = stderrTail.join('').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Node\.js v\d/.test(l));
  return lines.find((l) => /^(\w*Error|Uncaught|Error)\b|: /.test(l) && !l.startsWith('at ')) ?? lines.at(-1);
}

/** The result of a trial the run ended (or voided): no target hit, and why. */
function failedResult(status: FailedStatus, error: string, partial: { steps: number; submissionTimeSec: number; evalTimeSec: number; evals: number }): TrialResult {
  return trialResult(status, { ...partial, testReached: false }, null, error);
}

/**
 * The trial process's result rebuilt by the run, once forgedResult has found it true:
 * what its status implies (only `reached` keeps a time-to-target) holds whatever the
 * message said.
 */
function rebuilt(r: TrialResult): TrialResult {
  const { status, timeToTargetSec, targetStep, targetResolution, error, ...counts } = r;
  const hit = timeToTargetSec === null || targetStep === null ? null : { timeToTargetSec, targetStep, targetResolution };
  return trialResult(status, counts, hit, error);
}

/**
 * Why a result sent by the trial's process cannot be true, if it cannot: the status
 * `reached` and the time-to-target must rest on an eval this process computed and
 * accepted, the test target likewise. (The trial's process runs the submission's
 * code, which can send messages of its own.)
 */
function forgedResult(result: TrialResult, accepted: readonly EvalRecord[], spec: IsolatedTrialSpec): { status: FailedStatus; message: string } | undefined {
  const metric = spec.workload.metric;
  if (result.timeToTargetSec !== null) {
    const basis = accepted.find((r) => r.submissionTimeSec === result.timeToTargetSec && r.step === result.targetStep);
    if (basis === undefined || !meetsTarget(basis.validation[metric.name]!, spec.targets.validation, metric)) {
      return { status: 'forbidden', message: `the trial reported reaching the target at ${result.timeToTargetSec} s, which no eval the run computed supports (a forged result); its trial is void` };
    }
  }
  if (result.testReached && !accepted.some((r) => r.test[metric.name] !== undefined && meetsTarget(r.test[metric.name]!, spec.targets.test, metric))) {
    return { status: 'forbidden', message: 'the trial reported reaching the test target, which no eval the run computed supports (a forged result); its trial is void' };
  }
  const nonFinite = accepted.find((r) => !Number.isFinite(r.validation[metric.name]));
  if (nonFinite !== undefined && result.status !== 'diverged' && result.status !== 'error') {
    return { status: 'diverged', message: `the run evaluated the trial's parameters at step ${nonFinite.step} to a non-finite ${metric.name}, yet the trial reported ${result.status} (its checks were tampered with)` };
  }
  if (result.status === 'reached' && result.timeToTargetSec === null) {
    return { status: 'forbidden', message: 'the trial reported status reached without a time-to-target (a forged result); its trial is void' };
  }
  return undefined;
}

/**
 * The trial's submission time can only be a part of the wall time its process
 * trained for (the parent's clock, its own evals excluded); the rest is the runner's
 * checks and messages. Far less than that means its clock was tampered with.
 */
export const MIN_TIMED_SHARE = 0.2;

function implausibleClock(result: TrialResult, trainingWallSec: number): string | undefined {
  if (trainingWallSec < 2 || result.submissionTimeSec >= MIN_TIMED_SHARE * trainingWallSec) return undefined;
  return `the trial reported ${result.submissionTimeSec.toFixed(2)} s of submission time in ${trainingWallSec.toFixed(2)} s of training on the run's clock (under ${MIN_TIMED_SHARE * 100} %): its clock or messages were tampered with; its trial is void`;
}

/**
 * Runs the trial in its own process and returns its result, whatever the process does,
 * with what the boundary cost and the process's id (one process per trial: no two
 * trials of a run share one). Rejects, rather than failing the trial, for a fault of the
 * run's side: the store (through the observer), or the machine (MachineFault: the
 * process could not start, the training split could not be written).
 */
export async function runTrialIsolated(spec: IsolatedTrialSpec, env: IsolatedTrialEnv = {}): Promise<TrialResult & { boundary?: BoundaryCost; pid?: number; pace?: TrialPace }> {
  // The runner's own pace on the workload's fixed work, before, during (at each eval) and
  // after the trial: what a process of this machine could do meanwhile, to hold the trial's process to.
  const runner = new RunnerPace(spec.workload);
  let runnerBefore: PaceReading | undefined;
  let runnerAfter: PaceReading | undefined;
  const log: PaceLog = { during: [], runnerDuring: [] };
  let result: Awaited<ReturnType<typeof runInProcess>>;
  try {
    runnerBefore = runner.reading();
    result = await runInProcess(spec, env, log, runner);
    if (runnerBefore !== undefined) runnerAfter = runner.reading();
  } finally {
    runner.dispose();
  }
  if (runnerBefore === undefined || runnerAfter === undefined) return result;
  const trialPace = log.start;
  const key = `${spec.workload.name}:${spec.workload.variant ?? ''}:${spec.backend}`;
  const fastest = env.paces?.holdStart(key, trialPace?.fastestMs);
  const runnerDuring = log.runnerDuring.length === 0 ? undefined : { medianMs: median(log.runnerDuring), samples: log.runnerDuring.length };
  const fastestRunnerDuring = env.paces?.holdRunnerDuring(key, runnerDuring?.medianMs);
  const pace: TrialPace = {
    runner: { before: runnerBefore, after: runnerAfter },
    ...(trialPace === undefined ? {} : { trial: trialPace }),
    ...(log.during.length === 0 ? {} : { during: { medianMs: median(log.during), samples: log.during.length } }),
    ...(fastest === undefined ? {} : { fastestTrialMs: fastest }),
    ...(runnerDuring === undefined ? {} : { runnerDuring }),
    ...(fastestRunnerDuring === undefined ? {} : { fastestRunnerDuringMs: fastestRunnerDuring }),
  };
  return { ...result, pace };
}


/**
 * What the trial's process reported of its pace: once at start, and at each eval (fastest
 * ms of that sample); and the runner's own sample of the same passes at each eval.
 */
interface PaceLog {
  start?: PaceReading;
  readonly during: number[];
  readonly runnerDuring: number[];
}

async function runInProcess(spec: IsolatedTrialSpec, env: IsolatedTrialEnv, paceLog: PaceLog, runner: RunnerPace): Promise<TrialResult & { boundary?: BoundaryCost; pid?: number }> {
  const budgetSec = spec.workload.budget.maxRuntimeSec * spec.budgetScale;
  const limits = spec.limits ?? {};
  const stallSec = limits.stallSec ?? Math.min(120, 20 + budgetSec / 4);
  const graceSec = limits.graceSec ?? 30 + 0.5 * budgetSec;
  const memoryCap = limits.memoryCapBytes ?? DEFAULT_MEMORY_CAP;
  const startupSec = limits.startupSec ?? 120;
  const now = () => performance.now() / 1000;

  const spawned = now();
  const stderrTail: string[] = [];
  // The training split's folder exists before the process starts (its one readable path
  // for it); the file is written while the process loads its modules.
  // Each machine fault here (MachineFault) is raised, not the submission's failure.
  let trainDir: string;
  try {
    trainDir = trainDataDir();
  } catch (err) {
    throw new MachineFault("the trial's training-split folder could not be made", err);
  }
  const role = "the trial's process";
  let child: ChildProcess;
  try {
    child = spawnTrialProcess(role, spec.modulePath, stderrTail, [trainDir]);
  } catch (err) {
    removeTrainDataDir(trainDir);
    throw err;
  }
  // The result is handed back only once the process has ended and been reaped: its CPU
  // time then counts as this run's (calibration.ts), and nothing of it outlives the trial.
  const exited = gone(child).then(() => removeTrainDataDir(trainDir));

  // The trial's eval schedule, as its process builds it: every eval it reports is a point of it.
  const schedule = spec.evalSchedule === undefined ? geometricEvalSchedule(spec.workload.budget.stepHint) : scheduleFromSpec(spec.evalSchedule, spec.workload.budget.stepHint);
  return await new Promise((resolve, reject) => {
    const partial = { steps: 0, submissionTimeSec: 0, evalTimeSec: 0, evals: 0 };
    /** A failure of the run's side (the store, via the observer; the machine): raised, never the trial's. */
    let infraError: unknown;
    /** The metrics this process computed, in order: every eval the trial reports must be one of them. */
    const computed: Array<{ validation: string; test: string; request: number }> = [];
    const accepted: EvalRecord[] = [];
    /** Each accepted record's step and time as the process claimed them, and the request it answers (eval_claims.ts). */
    const claims: EvalClaim[] = [];
    /** What the run saw at each evaluation request: its clock, and whether the metrics met the target (eval_claims.ts). */
    const requests: Array<EvalRequest & { met: boolean }> = [];
    let settled = false;
    let lastWord = now();
    let trainingSince: number | undefined;
    let evalSec = 0;
    let firstStepAt: number | undefined;
    let verdict: { status: FailedStatus; message: string } | undefined;
    let result: (TrialResult & { wallSec?: number }) | undefined;
    let ipcSockets: Set<string> | undefined;
    let paceSeen = false;
    let readySeen = false;
    /** The budget saver's view: the curve so far, and whether any eval this process computed met the target. */
    const curve: Array<{ timeSec: number; value: number }> = [];
    let targetMet = false;
    let savedStop: number | undefined;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      env.signal?.removeEventListener('abort', onAbort);
      const stopped = now();
      const boundary = { startSec: (firstStepAt ?? stopped) - spawned, stopSec: 0 };
      killIfRunning(child);
      if (infraError !== undefined) {
        void exited.then(() => reject(infraError));
        return;
      }
      const pid = child.pid === undefined ? {} : { pid: child.pid };
      const done = (r: TrialResult) => void exited.then(() => resolve({ ...r, boundary: { ...boundary, stopSec: now() - stopped }, ...pid }));
      if (result !== undefined && verdict === undefined) {
        const { wallSec: _wall, ...plain } = result as TrialResult & { wallSec?: number };
        const trainingWall = trainingSince === undefined ? 0 : stopped - trainingSince - evalSec;
        const clock = implausibleClock(plain, trainingWall);
        const evals = implausibleEvals(claims, requests, schedule, computed.length, plain.status === 'reached' || plain.status === 'budget_exhausted');
        const forged =
          forgedResult(plain, accepted, spec) ??
          (evals === undefined ? undefined : { status: 'forbidden' as const, message: evals }) ??
          (clock === undefined ? undefined : { status: 'forbidden' as const, message: clock });
        done(forged === undefined ? rebuilt(plain) : failedResult(forged.status, forged.message, partial));
      } else {
        const failed = failedResult(verdict?.status ?? 'crashed', verdict?.message ?? 'the trial process ended without a result', partial);
        done(verdict?.status === 'stopped_predicted_miss' && savedStop !== undefined ? { ...(failed as FailedTrial), predictedReach: savedStop } : failed);
      }
    };
    const stop = (status: FailedStatus, message: string) => {
      if (verdict !== undefined || result !== undefined) return;
      verdict = { status, message };
      killIfRunning(child);
    };

    const safely = (call: () => void) => {
      try {
        call();
      } catch (err) {
        infraError ??= err;
        killIfRunning(child);
      }
    };

    // While the run is being interrupted, a trial whose process ends (a signal to the
    // whole job can reach it before it stops at a step, or while it still starts) or
    // cannot be told to stop was cut off: it did not crash, which would count against
    // the submission and keep resume from running it again. (A submission that kills
    // its own process gets no such pass: the run was not interrupted.)
    const cutOff = (what: string): { status: FailedStatus; message: string } | undefined =>
      env.signal?.aborted === true ? { status: 'interrupted', message: `interrupted at step ~${partial.steps} (${what})` } : undefined;

    const onAbort = () => {
      if (trainingSince === undefined) {
        stop('interrupted', 'interrupted before training started');
        return;
      }
      sendIfStarted(child, { kind: 'interrupt' });
      // A trial that does not stop within a few seconds is stopped.
      setTimeout(() => stop('interrupted', 'interrupted (the trial did not stop when asked)'), 5_000).unref();
    };
    env.signal?.addEventListener('abort', onAbort);

    const timer = setInterval(() => {
      const t = now();
      if (trainingSince === undefined) {
        if (t - spawned > startupSec) stop('timeout', `the trial process did not start training within ${startupSec} s`);
        return;
      }
      ipcSockets ??= socketsOf(child.pid!);
      const breach = sandboxBreach(child.pid!, ipcSockets);
      if (breach !== undefined) return stop('forbidden', breach);
      const rss = residentBytes(child.pid!);
      if (rss !== undefined && rss > memoryCap) {
        return stop('killed', `the trial process used ${(rss / 1024 ** 3).toFixed(1)} GiB of memory, over the cap of ${(memoryCap / 1024 ** 3).toFixed(1)} GiB; killed at step ~${partial.steps}`);
      }
      if (inEval === 0 && t - lastWord > stallSec) {
        return stop('timeout', `the trial stopped answering for ${stallSec.toFixed(0)} s after step ${partial.steps} (a hang or an endless loop); killed`);
      }
      const trainedSec = t - trainingSince - evalSec;
      if (inEval === 0 && trainedSec > budgetSec + graceSec) {
        stop('timeout', `the trial ran ${trainedSec.toFixed(1)} s, past its budget of ${budgetSec.toFixed(1)} s by more than the grace of ${graceSec.toFixed(1)} s; killed`);
      }
    }, POLL_MS);

    /**
     * Asks the budget saver at each accepted eval. Never once the target was met: the
     * parent may know it (a check met it) before the probes before it arrive.
     */
    const consultSaver = (record: EvalRecord, settings: SaverSettings) => {
      const value = record.validation[spec.workload.metric.name];
      if (targetMet || value === undefined) return;
      curve.push({ timeSec: record.submissionTimeSec, value });
      const goal = { direction: spec.workload.metric.direction, target: spec.targets.validation, budgetSec };
      const decision = saverDecision(curve, goal, settings);
      if (!decision.stop || decision.probability === null) return;
      savedStop = decision.probability;
      stop(
        'stopped_predicted_miss',
        `the budget saver stopped the trial at step ${record.step} (${record.submissionTimeSec.toFixed(1)} s of ${budgetSec.toFixed(1)} s): predicted P(reach the target) = ${decision.probability.toPrecision(2)}, under its threshold ${settings.threshold}`,
      );
    };

    let inEval = 0;
    // The process's messages can be forged by submission code (process.send is its to
    // call): one the run cannot read voids the trial, and never throws out of this
    // handler, which would crash the run and every trial after this one.
    child.on('message', (message: FromTrial) => {
      if (!isProtocolMessage(message)) {
        stop('forbidden', `the trial process sent a message outside the trial protocol (${describeMessage(message)}); its trial is void`);
        return;
      }
      try {
        onMessage(message);
      } catch (err) {
        stop('forbidden', `the trial process sent a malformed '${message.kind}' message (${errorMessage(err)}); its trial is void`);
      }
    });
    const onMessage = (message: FromTrial) => {
      lastWord = now();
      switch (message.kind) {
        case 'pace':
          // Sent before the submission is imported: the first one, before 'ready', is the
          // process's own; any later one comes from submission code and is ignored.
          if (paceSeen || readySeen) break;
          paceSeen = true;
          if (validPace(message.pace)) paceLog.start = { fastestMs: message.pace.fastestMs, passes: message.pace.passes };
          // The process's own sockets (the IPC channel, stdio), before any submission code ran.
          ipcSockets ??= socketsOf(child.pid!);
          break;
        case 'ready':
          readySeen = true;
          if (message.problems.length > 0) stop('error', `the submission breaks the contract: ${message.problems.join('; ')}`);
          break;
        case 'training':
          // Only the first: a repeated one from submission code must not restart the
          // training clock's account or re-take the list of the process's own sockets.
          if (trainingSince !== undefined) break;
          trainingSince = now();
          ipcSockets ??= socketsOf(child.pid!);
          break;
        case 'progress':
          firstStepAt ??= now();
          partial.steps = message.progress.step;
          partial.submissionTimeSec = message.progress.submissionTimeSec;
          safely(() => env.observer?.onStep?.(message.progress));
          break;
        case 'evaluate': {
          if (message.pace !== undefined && validPace(message.pace)) paceLog.during.push(message.pace.fastestMs);
          firstStepAt ??= now();
          inEval += 1;
          const e0 = now();
          // The trial's process waits for this eval, off its clock: the runner times the
          // workload's fixed passes now, on a machine the trial is not using — the
          // machine's speed at this point of the trial, measured by code the submission
          // cannot touch.
          const runnerPace = runner.sample();
          if (runnerPace !== undefined) paceLog.runnerDuring.push(runnerPace);
          const request = requests.length;
          requests.push({ sinceTraining: e0 - (trainingSince ?? firstStepAt) - evalSec, sinceFirstStep: e0 - firstStepAt - evalSec, met: false });
          let reply: ToTrial;
          const params = fromTensorData(message.params);
          try {
            const validation = spec.workload.evaluate(params, 'validation');
            const test = spec.workload.evaluate(params, 'test');
            computed.push({ validation: JSON.stringify(validation), test: JSON.stringify(test), request });
            const value = validation[spec.workload.metric.name];
            if (value !== undefined && meetsTarget(value, spec.targets.validation, spec.workload.metric)) {
              targetMet = true;
              requests[request]!.met = true;
            }
            reply = { kind: 'evaluated', id: message.id, validation, test };
          } catch (err) {
            reply = { kind: 'evaluate-failed', id: message.id, message: errorMessage(err) };
          } finally {
            for (const t of Object.values(params)) t.dispose();
          }
          evalSec += now() - e0;
          inEval -= 1;
          lastWord = now();
          sendIfStarted(child, reply);
          break;
        }
        case 'eval': {
          const record = message.record;
          const at = computed.findIndex((c) => c.validation === JSON.stringify(record.validation) && c.test === JSON.stringify(record.test));
          if (at < 0) {
            stop('forbidden', `the trial reported an eval at step ${record.step} that the run never computed (a forged message); its trial is void`);
            break;
          }
          claims.push({ step: record.step, submissionTimeSec: record.submissionTimeSec, request: computed[at]!.request });
          computed.splice(at, 1);
          accepted.push(record);
          // An eval is newer news than the last progress message (sent every 0.25 s):
          // a trial stopped here (the budget saver) is stored with the eval's step and time.
          partial.steps = Math.max(partial.steps, record.step);
          partial.submissionTimeSec = Math.max(partial.submissionTimeSec, record.submissionTimeSec);
          partial.evals += 1;
          partial.evalTimeSec += record.evalTimeSec;
          safely(() => env.observer?.onEval?.(record));
          if (spec.budgetSaver !== undefined) consultSaver(record, spec.budgetSaver);
          break;
        }
        case 'result':
          if (typeof message.result !== 'object' || message.result === null) throw new Error(`its result is ${describeMessage(message.result)}`);
          result = message.result;
          finish();
          break;
        case 'fatal':
          stop(message.status, message.message);
          break;
        case 'fault':
          // A machine fault ends the run's trial as interrupted, to be run again: from
          // submission code (after `ready`) it would be a way to have a trial forgotten.
          if (readySeen) {
            stop('forbidden', 'the trial reported a machine fault after its submission loaded (a forged message); its trial is void');
            break;
          }
          infraError ??= new MachineFault("the trial's process could not set itself up", new Error(String(message.message)));
          finish();
          break;
      }
    };
    /**
     * The process ended, or could not be written to, without a result or a verdict.
     * While the run is interrupted that is a cut-off trial; otherwise it is a crash —
     * but only once the run's own interrupt has had SIGNAL_GRACE_MS to arrive: a
     * signal to the whole job reaches this process and the trial's at about the same
     * time, and the trial's death can be seen first.
     */
    const ended = (what: string, crash: () => { status: FailedStatus; message: string }) => {
      if (result !== undefined || verdict !== undefined) return finish();
      if (env.signal?.aborted === true) {
        verdict = cutOff(what);
        return finish();
      }
      // Whichever comes first decides; the other is taken back, so that no listener of
      // a finished trial stays on the run's signal (one more per crashed trial, all of
      // them called on Ctrl-C, and Node's leak warning after ten).
      const lateAbort = () => {
        clearTimeout(grace);
        verdict ??= cutOff(what);
        finish();
      };
      const grace = setTimeout(() => {
        env.signal?.removeEventListener('abort', lateAbort);
        verdict ??= crash();
        finish();
      }, SIGNAL_GRACE_MS);
      env.signal?.addEventListener('abort', lateAbort, { once: true });
    };
    child.on('exit', (code, signal) => {
      const tail = lastWords(stderrTail);
      ended(`its process ended: ${signal ?? `exit code ${code}`}`, () => ({
        status: 'crashed',
        message: `the trial process ${signal !== null ? `died of ${signal}` : `exited with code ${code}`} at step ~${partial.steps} before reporting a result${tail === undefined ? '' : ` (last words: ${tail.slice(0, 200)})`}`,
      }));
    });
    child.on('error', (err) => {
      if (neverStarted(child)) {
        infraError ??= couldNotStart(role, err);
        finish();
        return;
      }
      ended(errorMessage(err), () => ({ status: 'crashed', message: `the trial process could not be reached: ${errorMessage(err)}` }));
    });
    let trainDataFile: ReturnType<typeof writeTrainDataFile>;
    try {
      trainDataFile = writeTrainDataFile(trainDir, spec.workload.trainData());
    } catch (err) {
      infraError ??= new MachineFault("the training split could not be written for the trial's process", err);
      finish();
      return;
    }
    const plan = activeCpuPlan();
    const start: ToTrial = {
      kind: 'start',
      mode: 'trial',
      backend: spec.backend,
      modulePath: spec.modulePath,
      workload: { name: spec.workload.name, variant: spec.workload.variant, budget: spec.workload.budget },
      trainDataFile,
      targets: spec.targets,
      hparams: spec.hparams,
      seed: spec.seed,
      budgetScale: spec.budgetScale,
      ...(spec.hparamTracking === undefined ? {} : { hparamTracking: spec.hparamTracking }),
      ...(spec.evalSchedule === undefined ? {} : { evalSchedule: spec.evalSchedule }),
      ...(plan === undefined ? {} : { trialCpus: plan.trial }),
    };
    sendIfStarted(child, start);
  });
}

/**
 * Imports a submission in a process of its own and returns its name and contract
 * problems: how the run learns what it is running without running its code itself.
 * The answer comes once the process has ended and been reaped: none outlives planning,
 * and its CPU time counts as this run's (busyWarning samples planning). A process that
 * cannot start rejects with a MachineFault (E_MACHINE): no answer about the submission.
 */
export async function inspectSubmission(modulePath: string, backend: BackendChoice, timeoutSec = 60): Promise<{ name: string; problems: readonly string[] } | { failed: string; status: TrialStatus }> {
  const stderrTail: string[] = [];
  const role = `the process to load submission ${modulePath}`;
  const child = spawnTrialProcess(role, modulePath, stderrTail);
  return await new Promise((resolve, reject) => {
    let answer: { name: string; problems: readonly string[] } | { failed: string; status: TrialStatus } | undefined;
    const answerWith = (a: NonNullable<typeof answer>) => {
      if (answer !== undefined) return;
      answer = a;
      clearTimeout(timer);
      killIfRunning(child);
    };
    const timer = setTimeout(() => answerWith({ failed: `loading it took over ${timeoutSec} s (a hang or an endless loop at import)`, status: 'timeout' }), timeoutSec * 1000);
    child.on('message', (message: FromTrial) => {
      if (!isProtocolMessage(message)) answerWith({ failed: `its process sent a message outside the trial protocol (${describeMessage(message)})`, status: 'forbidden' });
      else if (message.kind === 'ready') answerWith({ name: message.name, problems: message.problems });
      else if (message.kind === 'fatal') answerWith({ failed: message.message, status: message.status });
      else answerWith({ failed: `its process sent '${String(message.kind)}' before saying whether it loaded`, status: 'crashed' });
    });
    child.on('exit', (code, signal) => {
      if (answer === undefined) {
        const tail = lastWords(stderrTail);
        answerWith({ failed: `its process ${signal !== null ? `died of ${signal}` : `exited with code ${code}`} while loading it${tail === undefined ? '' : ` (last words: ${tail.slice(0, 200)})`}`, status: 'crashed' });
      }
    });
    // A process that could not start: the machine's fault. (One that started and cannot
    // be written to is ending: its 'exit' answers, with its exit code and last words.)
    let fault: Error | undefined;
    child.on('error', (err) => {
      if (!neverStarted(child) || answer !== undefined) return;
      fault = couldNotStart(role, err);
      answerWith({ failed: fault.message, status: 'crashed' });
    });
    void gone(child).then(() => (fault === undefined ? resolve(answer!) : reject(fault)));
    sendIfStarted(child, { kind: 'start', mode: 'inspect', backend, modulePath });
  });
}
