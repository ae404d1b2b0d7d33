/**
 * Ctrl-C handling of the commands that run trials (run, quick, compare): a helper of
 * the commands, not a command, so that no command imports another.
 */
import type { BenchmarkListener } from '../benchmark/execute.ts';

/** The exit code of a command interrupted by `signal`: 128 + the signal's number, as a shell reports it. */
const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;
let exitCode: number = EXIT_CODE.SIGINT;

/** The exit code of an interrupted run: 130 after Ctrl-C, 143 after SIGTERM. */
export function interruptedExitCode(): number {
  return exitCode;
}

/**
 * Ctrl-C, and SIGTERM — what a scheduler sends before it kills a job (scancel, Slurm
 * preemption with requeue, a deleted Kubernetes pod; Slurm kills KillWait seconds
 * later, 30 by default): both stop the run the same way, so that a requeued task
 * resumes a trial stored as interrupted rather than one left 'running'.
 *
 * Before the first trial starts (planning, loading submissions, choosing and
 * probing the backend, reading the hardware) nothing has been stored, so Ctrl-C ends
 * the process at once with one line and exit code 130. Once the run is recorded
 * (the listener's onStart, which runBenchmark calls right after opening the store and
 * starting the run row): once, the running trial stops at its next step and is stored
 * as interrupted; twice, exit now.
 */
export function interruptHandling(): { signal: AbortSignal; listen: (inner: BenchmarkListener) => BenchmarkListener } {
  const controller = new AbortController();
  let recorded = false;
  const onSignal = (signal: keyof typeof EXIT_CODE) => () => {
    exitCode = EXIT_CODE[signal];
    if (!recorded) {
      process.stderr.write(`algobench: ${signal === 'SIGINT' ? 'interrupted' : 'terminated (SIGTERM)'} before the first trial started; nothing was run or stored\n`);
      process.exit(exitCode);
    }
    if (controller.signal.aborted) process.exit(exitCode);
    process.stderr.write(signal === 'SIGINT'
      ? '\nalgobench: interrupting after the current step (Ctrl-C again to quit now)\n'
      : '\nalgobench: terminated (SIGTERM): stopping after the current step; the trial is stored as interrupted and the same command resumes it\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));
  return {
    signal: controller.signal,
    listen: (inner) => ({
      ...inner,
      onStart: (info) => {
        recorded = true;
        inner.onStart?.(info);
      },
    }),
  };
}
