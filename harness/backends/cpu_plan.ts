/**
 * Which CPUs a timed trial runs on, and which the harness keeps for itself.
 *
 * A trial's process and the run's own process (the harness: it evaluates, relays
 * progress, checks eval claims, writes the store) share the machine. Unpinned, on 2
 * CPUs, the scheduler now and then put the harness's work after an eval on the CPU the
 * trial resumed on, and the trial's kernel threads waited on a CPU someone else held.
 * The same seed and configuration five times (`bench --repeat 5`, each workload with and
 * without the plan side by side, 2026-12-03), CV of time-to-target with against without:
 * spam_bow 3.2 against 20.1 % (0.307–0.328 s against 0.252–0.412 s), mnist_mlp 3.0 / 3.1,
 * mnist_cnn 1.6 / 1.7, mnist_autoencoder 1.0 / 3.2, char_lm 0.8 / 2.5, g2p_gru 1.8 / 8.0 %.
 * The price, on 2 CPUs, is the second kernel thread: mnist_cnn 3.0 s against 2.2 s,
 * char_lm 5.9 against 4.8 s, mnist_autoencoder 2.7 against 2.3 s; mnist_mlp, spam_bow and
 * g2p_gru were as fast or faster (one thread suits their small kernels).
 *
 * The plan, on Linux with at least 2 CPUs this process may use:
 * - the harness: the last of them (every thread of this process, and its kernels serial:
 *   a second kernel thread could only run by taking the first one's CPU); its
 *   calibration and its own passes of a workload's step (identity/calibration.ts,
 *   runner/pace.ts) then time that CPU, and the trial's process times its own;
 * - a trial: the others, for its main thread, the kernel threads it starts and so its
 *   whole clock; its kernels use that many threads. Only the main thread moves there:
 *   the trial's process starts on the harness's CPUs (it inherits them), so V8's helper
 *   threads (compilers, concurrent GC), started before, stay with the harness. Pinned
 *   beside the main thread they made mnist_mlp 1.07 s instead of 0.74–0.80 s.
 * `ALGOBENCH_TRIAL_CPUS` chooses: `off` (no plan; what tests and library callers get
 * unless they enter it), or a CPU list such as `0-2` (the trial's; the harness takes
 * the rest). `ALGOBENCH_THREADS` still sets the trial's kernel threads, at most one per
 * trial CPU.
 * The plan is part of the backend's version (backends/select.ts), so trials timed under
 * another plan are never pooled with these. It pins to fixed CPUs: two runs at once on
 * one machine share them (split them with ALGOBENCH_TRIAL_CPUS, or run one at a time).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AlgobenchError } from '../core/errors.ts';
import { loadNativeAddon } from './native/addon.ts';

export interface CpuPlan {
  /** CPUs a trial's main thread (and the kernel threads it starts) runs on. */
  readonly trial: readonly number[];
  /** CPUs the harness's process is pinned to. */
  readonly harness: readonly number[];
  /** Every CPU this process could use before the plan. */
  readonly all: readonly number[];
  /** Kernel threads in a trial's process. */
  readonly trialThreads: number;
}

/** "0-2,5" → [0, 1, 2, 5]; undefined for anything else. */
export function parseCpuList(text: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 4096) return undefined;
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return out.size === 0 ? undefined : [...out].sort((a, b) => a - b);
}

/** [0, 1, 2, 5] → "0-2,5" (what taskset takes). */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The CPUs this process may run on (Linux: /proc/self/status), or undefined where that is not known. */
export function allowedCpus(): number[] | undefined {
  try {
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return line === null ? undefined : parseCpuList(line[1]!);
  } catch {
    return undefined;
  }
}

/**
 * The plan for these CPUs and this environment (ALGOBENCH_TRIAL_CPUS, ALGOBENCH_THREADS),
 * or undefined for none: fewer than 2 CPUs, or `off`. A list that is not a proper subset
 * of `allowed` is bad input.
 */
export function planTrialCpus(allowed: readonly number[] | undefined, env: NodeJS.ProcessEnv = process.env): CpuPlan | undefined {
  const asked = env['ALGOBENCH_TRIAL_CPUS']?.trim();
  if (asked === 'off' || allowed === undefined || allowed.length < 2) return undefined;
  let trial: number[];
  if (asked === undefined || asked === '' || asked === 'auto') {
    trial = allowed.slice(0, -1);
  } else {
    const list = parseCpuList(asked);
    const usable = formatCpuList(allowed);
    if (list === undefined || list.some((c) => !allowed.includes(c)) || list.length >= allowed.length) {
      throw new AlgobenchError('E_USAGE', `ALGOBENCH_TRIAL_CPUS=${asked} is not a CPU list (like 0-2) within the CPUs this process may use (${usable}) that leaves at least one for the harness; set it so, or to "off" or "auto"`);
    }
    trial = list;
  }
  const harness = allowed.filter((c) => !trial.includes(c));
  const threads = Number(env['ALGOBENCH_THREADS']);
  // More kernel threads than the trial's CPUs could only run by taking each other's (and
  // the addon takes at most 64, native/src/parallel.cc).
  return { trial, harness, all: [...allowed], trialThreads: Math.min(Number.isInteger(threads) && threads > 0 ? threads : trial.length, trial.length, 64) };
}

let active: CpuPlan | undefined;
let entered = false;

/**
 * Puts the plan in force for this process, once: pins every thread of it to the harness's
 * CPUs (taskset) and runs its kernels serially. Later trials start under the
 * plan (run_isolated.ts). Answers the plan, or undefined where there is none or this
 * machine cannot pin (no taskset, or no native addon to pin a trial's thread with: then
 * nothing changed, and trials run as before).
 */
export function enterTrialCpuPlan(env: NodeJS.ProcessEnv = process.env): CpuPlan | undefined {
  if (entered) return active;
  entered = true;
  const plan = planTrialCpus(allowedCpus(), env);
  // A trial's process pins its main thread with the native addon (the same build it loads):
  // without it, it would stay on the harness's CPU, so there is no plan at all.
  const addon = loadNativeAddon();
  if (plan === undefined || addon?.pinThread === undefined) return undefined;
  const pin = (cpus: readonly number[]) => execFileSync('taskset', ['-a', '-p', '-c', formatCpuList(cpus), String(process.pid)], { stdio: 'ignore' });
  try {
    pin(plan.harness);
  } catch {
    // taskset stops at the first thread it cannot move: undo what it did, if it can.
    try {
      pin(plan.all);
    } catch {
      // No taskset at all: nothing was moved.
    }
    return undefined;
  }
  // Serial whatever the harness's CPUs: its evals then have the same bits under every plan.
  addon.serialKernels?.(true);
  active = plan;
  return active;
}

/** The plan in force in this process (enterTrialCpuPlan), if any. */
export function activeCpuPlan(): CpuPlan | undefined {
  return active;
}

/** How the plan reads in a backend's version: `pinned-1of2` (trial CPUs of all), or '' without one. */
export function cpuPlanLabel(plan: CpuPlan | undefined = active): string {
  return plan === undefined ? '' : `pinned-${plan.trial.length}of${plan.all.length}`;
}
